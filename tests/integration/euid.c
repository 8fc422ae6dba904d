/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* euid.c - prints "uid=R euid=E": installed setuid-root in a test rootfs to
 * see whether exec granted privileges (test-caps.sh, noNewPrivileges). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
  printf("uid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
  return 0;
}
