/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image-share.c - what a second container of one image costs: its own
 * read-only mount of the image (what image/lower.c does: a loop device for
 * squashfs, the file itself for EROFS, then fsopen/fsconfig/fsmount) versus
 * the bookkeeping of the shared mount (image/layer-store.c: lock, reference
 * file, "is it mounted" check, drop the reference). Also the page cache one
 * full read of the image's files by two containers costs through two
 * separate mounts versus one shared mount (resident pages by mincore: the
 * files of each superblock plus the image file itself). Run by bench/image.sh in a private mount namespace:
 *
 *   image-share squashfs|erofs IMAGE WORKDIR N
 *
 * prints "separate_us shared_us separate_cache_kb shared_cache_kb".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The library's own compat headers: they need nothing else of it. */
#include "../libminirun/image/loop-config.h"
#include "../libminirun/mount-api.h"

static void die(const char *what)
{
  perror(what);
  exit(1);
}

static double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One private read-only mount of the image as a detached mount fd; the loop
 * device (squashfs) is autoclear and goes with the mount. */
static int mount_once(const char *fstype, int file_fd)
{
  int src = file_fd, loop = -1;
  if (strcmp(fstype, "squashfs") == 0) {
    /* Another process may take the free device first (EBUSY): retry. */
    for (int attempt = 0; loop < 0 && attempt < 16; attempt++) {
      int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
      int nr = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
      close(ctl);
      char dev[32];
      snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
      loop = open(dev, O_RDONLY | O_CLOEXEC);
      struct loop_config cfg;
      memset(&cfg, 0, sizeof(cfg));
      cfg.fd = (__u32)file_fd;
      cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR; /* as image/loop.c */
      if (loop >= 0 && ioctl(loop, LOOP_CONFIGURE, &cfg) < 0) {
        close(loop);
        loop = -1;
      }
    }
    if (loop < 0)
      die("loop");
    src = loop;
  }
  int fs = (int)syscall(SYS_fsopen, fstype, MR_FSOPEN_CLOEXEC);
  char source[32];
  snprintf(source, sizeof(source), "/proc/self/fd/%d", src);
  if (fs < 0 || syscall(SYS_fsconfig, fs, MR_FSCONFIG_SET_STRING, "source", source, 0) < 0 ||
      syscall(SYS_fsconfig, fs, MR_FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
      syscall(SYS_fsconfig, fs, MR_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    die("fsconfig");
  int mnt = (int)syscall(SYS_fsmount, fs, MR_FSMOUNT_CLOEXEC,
                          MR_MOUNT_ATTR_RDONLY | MR_MOUNT_ATTR_NOSUID | MR_MOUNT_ATTR_NODEV);
  if (mnt < 0)
    die("fsmount");
  close(fs);
  if (loop >= 0)
    close(loop);
  return mnt;
}

/* The shared mount's bookkeeping for one container: take and drop a ref. */
static void shared_once(int storefd, const char *id)
{
  int lock = openat(storefd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) < 0)
    die("lock");
  mkdirat(storefd, "key", 0700);
  int key = openat(storefd, "key", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  mkdirat(key, "refs", 0700);
  mkdirat(key, "mnt", 0700);
  int refs = openat(key, "refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fdopendir(dup(refs)); /* prune: a walk over the refs */
  while (d != NULL && readdir(d) != NULL)
    ;
  if (d != NULL)
    closedir(d);
  int ref = openat(refs, id, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  struct stat a, b;
  if (ref < 0 || fstat(key, &a) < 0 || fstatat(key, "mnt", &b, 0) < 0 || a.st_dev == b.st_dev)
    die("shared mount missing");
  close(ref);
  unlinkat(refs, id, 0);
  close(refs);
  close(key);
  close(lock);
}

/* Resident pages of the file open at fd (mmap + mincore), in kB. */
static long resident_kb(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size == 0)
    return 0;
  long page = sysconf(_SC_PAGESIZE);
  size_t pages = ((size_t)st.st_size + (size_t)page - 1) / (size_t)page;
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  unsigned char *vec = malloc(pages);
  long n = 0;
  if (map != MAP_FAILED && vec != NULL && mincore(map, (size_t)st.st_size, vec) == 0)
    for (size_t i = 0; i < pages; i++)
      n += vec[i] & 1;
  free(vec);
  if (map != MAP_FAILED)
    munmap(map, (size_t)st.st_size);
  return n * page / 1024;
}

/* Reads every regular file below dirfd (recursively); with `count`, returns
 * how much of them is resident instead (kB). */
static long walk(int dirfd, bool count)
{
  DIR *d = fdopendir(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)); /* own offset */
  struct dirent *de;
  static char buf[1 << 16];
  long kb = 0;
  while (d != NULL && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    int fd = openat(dirfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
      if (fd >= 0)
        close(fd);
      continue;
    }
    if (S_ISDIR(st.st_mode))
      kb += walk(fd, count);
    else if (S_ISREG(st.st_mode) && count)
      kb += resident_kb(fd);
    else if (S_ISREG(st.st_mode))
      while (read(fd, buf, sizeof(buf)) > 0)
        ;
    close(fd);
  }
  if (d != NULL)
    closedir(d);
  return kb;
}

/* Page cache of two containers reading all of the image through
 * `n_mounts` mounts: the files' pages in each superblock plus the image
 * file's own pages (the loop device reads through it), in kB. */
static long cache_cost(const char *fstype, int file_fd, int n_mounts)
{
  int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
  sync();
  if (fd < 0 || write(fd, "3", 1) != 1)
    die("drop_caches");
  close(fd);
  int mnt[2], root[2];
  for (int i = 0; i < n_mounts; i++) {
    mnt[i] = mount_once(fstype, file_fd);
    /* fsmount() gives an O_PATH descriptor: open the root for reading. */
    root[i] = openat(mnt[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root[i] < 0)
      die("open the mount's root");
  }
  for (int i = 0; i < 2; i++)
    walk(root[i % n_mounts], false);
  long kb = resident_kb(file_fd);
  for (int i = 0; i < n_mounts; i++) {
    kb += walk(root[i], true);
    close(root[i]);
    close(mnt[i]);
  }
  return kb;
}

int main(int argc, char **argv)
{
  if (argc != 5)
    return fprintf(stderr, "usage: image-share squashfs|erofs IMAGE WORKDIR N\n"), 2;
  const char *fstype = argv[1];
  int n = atoi(argv[4]);
  int file_fd = open(argv[2], O_RDONLY | O_CLOEXEC);
  if (file_fd < 0)
    die(argv[2]);

  double t0 = now_us();
  for (int i = 0; i < n; i++)
    close(mount_once(fstype, file_fd));
  double separate = (now_us() - t0) / n;

  char store[4096];
  snprintf(store, sizeof(store), "%s/store", argv[3]);
  mkdir(store, 0700);
  int storefd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char mnt[4200];
  snprintf(mnt, sizeof(mnt), "%s/key/mnt", store);
  mkdirat(storefd, "key", 0700);
  mkdirat(storefd, "key/mnt", 0700);
  int m = mount_once(fstype, file_fd);
  if (syscall(SYS_move_mount, m, "", AT_FDCWD, mnt, MR_MOVE_MOUNT_F_EMPTY_PATH) < 0)
    die("move_mount");
  close(m);
  t0 = now_us();
  for (int i = 0; i < n; i++)
    shared_once(storefd, "c2");
  double shared = (now_us() - t0) / n;
  umount2(mnt, 0);

  long sep_kb = cache_cost(fstype, file_fd, 2), shr_kb = cache_cost(fstype, file_fd, 1);
  printf("%.0f %.0f %ld %ld\n", separate, shared, sep_kb, shr_kb);
  return 0;
}
