#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# leftovers.pl T DEFAULT_ROOT - the leftover checker of the integration tests
# (lib.sh: mr_leftovers, assert_nothing_left, mr_cleanup). Prints one line per
# thing test dir T left behind, nothing when clean:
#
#   state T/state/ID                a container dir under the test's root
#   state DEFAULT_ROOT/ID           a new dir of the default root (not in
#                                   T/.mr-snap-root) whose state.json names T,
#                                   or that has no state.json and is not locked
#                                   (a crashed create; a create in progress
#                                   holds the dir's flock: another suite's)
#   state T/state/.layers/KEY (image layer)   a shared image layer still there
#   process|zombie PID (why) CMD    see below
#   mount LINE                      a mountinfo line of ours naming T
#   loop DEV BACKING                a loop device backed by a file in T
#   cgroup DIR                      a new cgroup dir (not in T/.mr-snap-cgroups)
#                                   named after a container id of the test
#                                   (T/.mr-ids, T/ID.out) and not below another
#                                   test's dir name, or naming T
#
# A process belongs to the test when
#   - its environment carries MR_TEST_TAG=T (make_bundle puts it into every
#     container's process.env), or
#   - its cwd or root is inside T (an init before pivot_root, an init that
#     exec'd with another environment, a process that cleared it), or
#   - it lives in another mount namespace whose mountinfo names T (a container
#     init after pivot_root: its / is a bind of T/.../rootfs), or
#   - it is the init recorded in one of the test's state.json (pid+pidStart),
#   - or it descends from one of those: this finds zombies, whose environment,
#     cwd and root cannot be read any more.
# This process, its ancestors (the runner, or the test itself when a test
# calls the checker) and the descendants of MR_CHECKER_SELF (the shell
# running the checker's pipeline) never count.
use strict;
use warnings;
use Fcntl qw(O_RDONLY O_DIRECTORY :flock);

my ($t, $root) = @ARGV;
die "usage: $0 T DEFAULT_ROOT\n" unless defined $root;
(my $base = $t) =~ s{.*/}{};
my @out;

sub slurp {
  my ($path) = @_;
  open(my $fh, '<', $path) or return undef;
  local $/;
  my $s = <$fh>;
  close $fh;
  return $s;
}

sub lines_of { my $s = slurp($_[0]) // ''; return map { $_ => 1 } split /\n/, $s; }
sub inside { my ($p) = @_; defined $p && ($p eq $t || index($p, "$t/") == 0) }
sub dir_entries {
  my ($d) = @_;
  opendir(my $dh, $d) or return ();
  my @e = grep { $_ ne '.' && $_ ne '..' } readdir $dh;
  closedir $dh;
  return sort @e;
}

# Whether someone holds the flock of directory $d (the runtime's lock: a
# create, start or delete in progress). Only tried, never waited for.
sub locked {
  my ($d) = @_;
  sysopen(my $fh, $d, O_RDONLY | O_DIRECTORY) or return 0;
  my $free = flock($fh, LOCK_EX | LOCK_NB);
  close $fh;
  return !$free;
}

# --- state dirs, and the inits they record --------------------------------
my %recorded;    # pid => pidStart
sub record_init {
  my ($json) = @_;
  return unless defined $json;
  my ($pid) = $json =~ /"pid"\s*:\s*(\d+)/;
  my ($start) = $json =~ /"pidStart"\s*:\s*(\d+)/;
  $recorded{$pid} = $start if defined $pid && defined $start;
}
# The runtime's own caches under a state root are not containers: the CLI's
# compiled seccomp filters and the image digests. The store of shared image
# layers is clean when only its lock file is left (a layer dir is a leftover).
sub runtime_entry {
  my ($dir, $e) = @_;
  return 1 if $e eq '.seccomp-cache' || $e eq '.image-digests';
  return 0 unless $e eq '.layers';
  my @left = grep { $_ ne 'lock' } dir_entries("$dir/$e");
  push @out, map { "state $dir/$e/$_ (image layer)" } @left;
  return 1;
}
for my $e (dir_entries("$t/state")) {
  next if runtime_entry("$t/state", $e) || !-d "$t/state/$e";
  push @out, "state $t/state/$e";
  record_init(slurp("$t/state/$e/state.json"));
}
my %before_root = lines_of("$t/.mr-snap-root");
for my $e (dir_entries($root)) {
  next if $before_root{$e} || $e =~ /^\.(seccomp-cache|image-digests|layers)$/ || !-d "$root/$e";
  my $json = slurp("$root/$e/state.json");
  next if defined $json && index($json, "/$base/") < 0;
  next if !defined $json && locked("$root/$e");
  push @out, "state $root/$e" . (defined $json ? '' : ' (no state.json)');
  record_init($json);
}

# --- processes ------------------------------------------------------------
my $own_mnt = readlink('/proc/self/ns/mnt') // '';
my (%ppid, %state, %why);
opendir(my $d, '/proc') or die "open /proc: $!\n";
for my $pid (grep { /^\d+$/ } readdir $d) {
  my $stat = slurp("/proc/$pid/stat") // next;
  $stat =~ s/^.*\) //s;    # comm may hold spaces and ')'
  my @f = split / /, $stat;
  ($state{$pid}, $ppid{$pid}) = ($f[0], $f[1]);
  my $env = slurp("/proc/$pid/environ") // '';
  if (index("\0$env", "\0MR_TEST_TAG=$t\0") >= 0) {
    $why{$pid} = 'tagged';
  } elsif (inside(readlink("/proc/$pid/cwd"))) {
    $why{$pid} = 'cwd in T';
  } elsif (inside(readlink("/proc/$pid/root"))) {
    $why{$pid} = 'root in T';
  } elsif (defined $recorded{$pid} && $recorded{$pid} eq $f[19]) {
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

my %kids;
push @{ $kids{ $ppid{$_} } }, $_ for keys %ppid;
my %mine;
for (my $p = $$; $p && !$mine{$p}; $p = $ppid{$p} // 0) { $mine{$p} = 1; }
my @self = grep { defined && /^\d+$/ } ($ENV{MR_CHECKER_SELF});
while (defined(my $p = shift @self)) {
  $mine{$p} = 1;
  push @self, grep { !$mine{$_} } @{ $kids{$p} || [] };
}
delete @why{ keys %mine };
my @todo = keys %why;
while (defined(my $p = shift @todo)) {
  for my $c (@{ $kids{$p} || [] }) {
    next if $why{$c} || $mine{$c};
    $why{$c} = "child of $p";
    push @todo, $c;
  }
}
for my $pid (sort { $a <=> $b } keys %why) {
  my $cmd = slurp("/proc/$pid/cmdline") // '';
  $cmd =~ s/\0/ /g;
  $cmd =~ s/ +$//;
  my $kind = ($state{$pid} // '') eq 'Z' ? 'zombie' : 'process';
  push @out, "$kind $pid ($why{$pid}) " . substr($cmd, 0, 80);
}

# --- mounts, loop devices, cgroups ----------------------------------------
for my $l (split /\n/, slurp('/proc/self/mountinfo') // '') {
  next if index($l, "/$base") < 0;
  my @f = split / /, $l;
  push @out, "mount $f[3] $f[4]";
}
for my $dev (dir_entries('/sys/block')) {
  next unless $dev =~ /^loop\d+$/;
  my $b = slurp("/sys/block/$dev/loop/backing_file") // next;
  chomp $b;
  push @out, "loop $dev $b" if index($b, "/$base/") >= 0;
}
my %ids = lines_of("$t/.mr-ids");
$ids{$_} = 1 for map { s/\.out$//r } grep { /\.out$/ } dir_entries($t);
if (-f "$t/.mr-snap-cgroups") {
  my %before = lines_of("$t/.mr-snap-cgroups");
  my @todo = ([ '/sys/fs/cgroup', 0 ]);
  while (my $e = shift @todo) {
    my ($dir, $depth) = @$e;
    for my $n (dir_entries($dir)) {
      my $p = "$dir/$n";
      next if -l $p || !-d $p;
      # A container's default cgroup path names its state root (T/state):
      # a dir named after one of our ids below another test's T belongs to
      # that test (suites run side by side), not to this one.
      my $other = $p =~ /minirun-test\.[A-Za-z0-9]{6}/ && index($p, $base) < 0;
      push @out, "cgroup $p" if !$before{$p} && (($ids{$n} && !$other) || index($p, $base) >= 0);
      push @todo, [ $p, $depth + 1 ] if $depth < 6;
    }
  }
}

print "$_\n" for @out;
