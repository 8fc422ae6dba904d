#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# leftover-procs.pl T [PID:START...] - prints one line per process that test
# dir T left behind: "PID STATE (why) CMDLINE". Used by mr_leftovers in lib.sh.
#
# A process belongs to the test when
#   - its environment carries MR_TEST_TAG=T (make_bundle puts it into every
#     container's process.env), or
#   - its cwd or root is inside T (a container init before pivot_root, an
#     init that exec'd with another environment, a process that cleared it), or
#   - it lives in another mount namespace whose mountinfo names T's basename
#     (a container init after pivot_root: its / is a bind of T/.../rootfs), or
#   - it is the init recorded in one of the test's state.json (PID:START), or
#   - it descends from one of those: this finds zombies, whose environment,
#     cwd and root can no longer be read.
# This process, its ancestors (the runner, or the test itself when a test
# calls the checker) and the descendants of MR_CHECKER_SELF never count.
use strict;
use warnings;

my $t = shift @ARGV or die "usage: $0 T [PID:START...]\n";
(my $base = $t) =~ s{.*/}{};
my %recorded = map { split /:/, $_, 2 } @ARGV;

sub slurp {
  my ($path) = @_;
  open(my $fh, '<', $path) or return undef;
  local $/;
  my $s = <$fh>;
  close $fh;
  return $s;
}

sub inside { my ($p) = @_; defined $p && ($p eq $t || index($p, "$t/") == 0) }

my $own_mnt = readlink('/proc/self/ns/mnt') // '';
my (%ppid, %state, %start, %why);
opendir(my $d, '/proc') or die "open /proc: $!\n";
for my $pid (grep { /^\d+$/ } readdir $d) {
  my $stat = slurp("/proc/$pid/stat") // next;
  $stat =~ s/^.*\) //s;    # comm may hold spaces and ')'
  my @f = split / /, $stat;
  ($state{$pid}, $ppid{$pid}, $start{$pid}) = ($f[0], $f[1], $f[19]);
  my $env = slurp("/proc/$pid/environ") // '';
  if (index("\0$env", "\0MR_TEST_TAG=$t\0") >= 0) {
    $why{$pid} = 'tagged';
  } elsif (inside(readlink("/proc/$pid/cwd"))) {
    $why{$pid} = 'cwd in T';
  } elsif (inside(readlink("/proc/$pid/root"))) {
    $why{$pid} = 'root in T';
  } elsif (defined $recorded{$pid} && $recorded{$pid} eq $start{$pid}) {
    $why{$pid} = 'init in state.json';
  } else {
    my $mnt = readlink("/proc/$pid/ns/mnt") // '';
    if ($mnt ne '' && $mnt ne $own_mnt) {
      my $mi = slurp("/proc/$pid/mountinfo") // '';
      $why{$pid} = 'mount ns of T' if index($mi, "/$base/") >= 0;
    }
  }
}
closedir $d;

# Never ourselves, the processes waiting for us, or the other commands of
# the checker (MR_CHECKER_SELF: the shell running it; its descendants).
my %mine;
for (my $p = $$; $p && !$mine{$p}; $p = $ppid{$p} // 0) { $mine{$p} = 1; }
my %kids;
push @{ $kids{ $ppid{$_} } }, $_ for keys %ppid;
my @self = grep { defined } ($ENV{MR_CHECKER_SELF});
while (defined(my $p = shift @self)) {
  next if $mine{$p} && $p != ($ENV{MR_CHECKER_SELF} // 0);
  $mine{$p} = 1;
  push @self, grep { !$mine{$_} } @{ $kids{$p} || [] };
}
delete @why{ keys %mine };

# Descendants (zombies included) of what was found.
my %children = %kids;
my @todo = keys %why;
while (defined(my $p = shift @todo)) {
  for my $c (@{ $children{$p} || [] }) {
    next if $why{$c} || $mine{$c};
    $why{$c} = "child of $p";
    push @todo, $c;
  }
}

for my $pid (sort { $a <=> $b } keys %why) {
  my $cmd = slurp("/proc/$pid/cmdline") // '';
  $cmd =~ s/\0/ /g;
  $cmd = substr($cmd, 0, 80);
  my $kind = ($state{$pid} // '') eq 'Z' ? 'zombie' : 'process';
  print "$kind $pid ($why{$pid}) $cmd\n";
}
