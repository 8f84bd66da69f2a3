/*
 * commandhelper.c: reports what a child of vircommand sees
 *
 * Prints one "key=value" line per fact: argv, environment, open fds, the
 * signal mask and ignored signals, process group and session, cwd.  With
 * --stdin it also reads all of stdin and prints its length.
 */
#include <dirent.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void
report_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int self = dirfd(d);

    while ((e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || e->d_name[0] == '.' || fd == self)
            continue;
        printf("fd=%ld\n", fd);
    }
    closedir(d);
}

static void
report_signals(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];

    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "SigBlk:", 7) == 0)
            printf("sigblk=%s", line + 8 + strspn(line + 7, "\t ") - 1);
        else if (strncmp(line, "SigIgn:", 7) == 0)
            printf("sigign=%s", line + 8 + strspn(line + 7, "\t ") - 1);
    }
    fclose(f);
}

int
main(int argc, char **argv)
{
    char cwd[4096];

    for (int i = 0; i < argc; i++)
        printf("argv%d=%s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env=%s\n", *e);
    report_fds();
    report_signals();
    printf("pid=%d\npgid=%d\nsid=%d\n", (int)getpid(), (int)getpgid(0), (int)getsid(0));
    printf("cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
    if (argc > 1 && strcmp(argv[1], "--stdin") == 0) {
        char buf[65536];
        size_t total = 0, n;
        while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
            total += n;
        printf("stdin=%zu\n", total);
    }
    fflush(stdout);
    return argc > 2 && strcmp(argv[1], "--exit") == 0 ? atoi(argv[2]) : 0;
}
