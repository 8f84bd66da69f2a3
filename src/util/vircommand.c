/*
 * vircommand.c: the only way virtd starts a child process
 *
 * Children are started with posix_spawn(): with glibc it is a
 * clone(CLONE_VM|CLONE_VFORK) + exec, cheap even from a large multi-threaded
 * daemon, and everything the child needs (dup2 of stdio, renumbered fds,
 * closefrom, chdir, default signal dispositions, empty mask, process group
 * or session) is expressed as spawn attributes, so no code of ours runs in
 * the child between clone and exec.
 */
#define G_LOG_DOMAIN "virtd.command"

#include "vircommand.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
# define P_PIDFD 3
#endif

/* How much of a pipe we read per wakeup, and how much leftover output we
 * read synchronously after the child exited before handing the pipe to the
 * background drainer. */
#define READ_CHUNK 65536
#define EXIT_DRAIN_LIMIT (1024 * 1024)
#define GROUP_POLL_MS 10
#define OUTPUT_WATCH_DELAY_MS 20
/* The shortest slice Linux grants a SCHED_OTHER task (see virCommandSetPromptStart). */
#define PROMPT_SLICE_NS 100000

GQuark
virCommandErrorQuark(void)
{
    return g_quark_from_static_string("vir-command-error-quark");
}

typedef struct {
    int fd;              /* our read end, -1 once closed */
    gboolean capture;
    gsize cap;
    GByteArray *buf;
    gsize total;
} virCommandPipe;

struct _virCommand {
    char *binary;
    GPtrArray *argv;     /* char *, owned */
    GPtrArray *env;      /* "NAME=VALUE", owned */
    GBytes *input;
    virCommandPipe out;
    virCommandPipe err;
    int out_fd;          /* caller-provided, not owned */
    int err_fd;
    GArray *passfds;     /* int, caller-owned */
    gboolean newgroup;
    gboolean newsession;
    gboolean prompt;
    char *cwd;
    guint timeout_ms;
    guint grace_ms;

    /* run time */
    gboolean started;
    gboolean waited;
    pid_t pid;
    int pidfd;
    int in_fd;           /* our write end of stdin, -1 once closed */
    gsize in_off;
    gint64 start_us;
};

/* ------------------------------------------------------------------ */
/* Background drain of pipes a grandchild still holds open             */

static GMainContext *drainContext;

static gpointer
virCommandDrainThread(gpointer opaque)
{
    GMainLoop *loop = g_main_loop_new(drainContext, FALSE);

    g_main_loop_run(loop);
    g_main_loop_unref(loop);
    return NULL;
}

static gpointer
virCommandGlobalInit(gpointer opaque)
{
    struct sigaction sa;

    /* Writing a hook's stdin after it exited must give EPIPE, not kill us.
     * Only change the disposition if nobody chose one already. */
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }

    drainContext = g_main_context_new();
    g_thread_unref(g_thread_new("vir-cmd-drain", virCommandDrainThread, NULL));
    return NULL;
}

static void
virCommandInitOnce(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, virCommandGlobalInit, NULL);
}

typedef struct {
    gsize drained;
} virCommandDrainData;

static gboolean
virCommandDrainReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    virCommandDrainData *data = opaque;
    char buf[READ_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n > 0) {
        data->drained += n;
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;

    g_debug("drained %zu bytes of late output from fd %d", data->drained, fd);
    close(fd);
    return G_SOURCE_REMOVE;
}

/* Takes ownership of @fd (non-blocking read end of a pipe). */
static void
virCommandDrainAdd(int fd)
{
    g_autoptr(GSource) src = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);

    g_source_set_callback(src, G_SOURCE_FUNC(virCommandDrainReadable),
                          g_new0(virCommandDrainData, 1), g_free);
    g_source_attach(src, drainContext);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

/**
 * virCommandNew:
 * @binary: absolute path of the program; also argv[0]
 *
 * Returns: (transfer full): a new command with an empty environment.
 */
virCommand *
virCommandNew(const char *binary)
{
    virCommand *cmd = g_new0(virCommand, 1);

    g_return_val_if_fail(binary != NULL, NULL);

    cmd->binary = g_strdup(binary);
    cmd->argv = g_ptr_array_new_with_free_func(g_free);
    cmd->env = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(cmd->argv, g_strdup(binary));
    cmd->out.fd = cmd->err.fd = -1;
    cmd->out_fd = cmd->err_fd = -1;
    cmd->passfds = g_array_new(FALSE, FALSE, sizeof(int));
    cmd->grace_ms = VIR_COMMAND_DEFAULT_GRACE_MS;
    cmd->pid = -1;
    cmd->pidfd = -1;
    cmd->in_fd = -1;
    return cmd;
}

/**
 * virCommandNewArgv:
 * @argv: NULL-terminated; argv[0] is the program to run
 *
 * Returns: (transfer full): a new command.
 */
virCommand *
virCommandNewArgv(const char *const *argv)
{
    virCommand *cmd;

    g_return_val_if_fail(argv && argv[0], NULL);

    cmd = virCommandNew(argv[0]);
    for (size_t i = 1; argv[i]; i++)
        virCommandAddArg(cmd, argv[i]);
    return cmd;
}

static void
virCommandPipeClose(virCommandPipe *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

void
virCommandFree(virCommand *cmd)
{
    if (!cmd)
        return;
    virCommandPipeClose(&cmd->out);
    virCommandPipeClose(&cmd->err);
    if (cmd->in_fd >= 0)
        close(cmd->in_fd);
    if (cmd->pidfd >= 0)
        close(cmd->pidfd);
    if (cmd->out.buf)
        g_byte_array_unref(cmd->out.buf);
    if (cmd->err.buf)
        g_byte_array_unref(cmd->err.buf);
    g_free(cmd->binary);
    g_ptr_array_unref(cmd->argv);
    g_ptr_array_unref(cmd->env);
    g_clear_pointer(&cmd->input, g_bytes_unref);
    g_array_unref(cmd->passfds);
    g_free(cmd->cwd);
    g_free(cmd);
}

void
virCommandAddArg(virCommand *cmd, const char *arg)
{
    g_return_if_fail(cmd && arg);
    g_ptr_array_add(cmd->argv, g_strdup(arg));
}

void
virCommandAddArgFormat(virCommand *cmd, const char *fmt, ...)
{
    va_list ap;

    g_return_if_fail(cmd && fmt);
    va_start(ap, fmt);
    g_ptr_array_add(cmd->argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

void
virCommandAddArgList(virCommand *cmd, ...)
{
    va_list ap;
    const char *arg;

    g_return_if_fail(cmd);
    va_start(ap, cmd);
    while ((arg = va_arg(ap, const char *)))
        g_ptr_array_add(cmd->argv, g_strdup(arg));
    va_end(ap);
}

/**
 * virCommandAddEnvPair:
 *
 * Sets NAME=VALUE in the child's environment, replacing an earlier value.
 */
void
virCommandAddEnvPair(virCommand *cmd, const char *name, const char *value)
{
    size_t len;

    g_return_if_fail(cmd && name && value && !strchr(name, '='));
    len = strlen(name);
    for (guint i = 0; i < cmd->env->len; i++) {
        const char *e = g_ptr_array_index(cmd->env, i);
        if (strncmp(e, name, len) == 0 && e[len] == '=') {
            g_ptr_array_remove_index(cmd->env, i);
            break;
        }
    }
    g_ptr_array_add(cmd->env, g_strdup_printf("%s=%s", name, value));
}

void
virCommandAddEnvFormat(virCommand *cmd, const char *name, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *value = NULL;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virCommandAddEnvPair(cmd, name, value);
}

/**
 * virCommandAddEnvPass:
 *
 * Copies @name from our own environment if it is set there.
 */
void
virCommandAddEnvPass(virCommand *cmd, const char *name)
{
    const char *value = g_getenv(name);

    if (value)
        virCommandAddEnvPair(cmd, name, value);
}

/**
 * virCommandSetInputBuffer:
 * @data: bytes to feed on stdin (copied); @len -1 for a NUL-terminated string
 *
 * The child gets a pipe as stdin carrying @data then EOF.  If it exits or
 * closes stdin early, the rest is dropped (EPIPE is not an error).
 */
void
virCommandSetInputBuffer(virCommand *cmd, const char *data, gssize len)
{
    g_return_if_fail(cmd && data);
    if (len < 0)
        len = strlen(data);
    g_clear_pointer(&cmd->input, g_bytes_unref);
    cmd->input = g_bytes_new(data, len);
}

void
virCommandSetOutputCapture(virCommand *cmd, gsize cap)
{
    g_return_if_fail(cmd);
    cmd->out.capture = TRUE;
    cmd->out.cap = cap;
}

void
virCommandSetErrorCapture(virCommand *cmd, gsize cap)
{
    g_return_if_fail(cmd);
    cmd->err.capture = TRUE;
    cmd->err.cap = cap;
}

/* Child stdout/stderr to an fd the caller keeps (e.g. a log file). */
void
virCommandSetOutputFD(virCommand *cmd, int fd)
{
    g_return_if_fail(cmd && fd >= 0);
    cmd->out_fd = fd;
}

void
virCommandSetErrorFD(virCommand *cmd, int fd)
{
    g_return_if_fail(cmd && fd >= 0);
    cmd->err_fd = fd;
}

/**
 * virCommandPassFD:
 * @fd: an fd of ours the child must inherit (still owned by the caller)
 *
 * Returns: the number the fd will have in the child: 3 for the first one
 * passed, 4 for the second...
 */
int
virCommandPassFD(virCommand *cmd, int fd)
{
    g_return_val_if_fail(cmd && fd >= 0, -1);
    g_array_append_val(cmd->passfds, fd);
    return 3 + (int)cmd->passfds->len - 1;
}

void
virCommandSetNewProcessGroup(virCommand *cmd, gboolean newgroup)
{
    g_return_if_fail(cmd);
    cmd->newgroup = newgroup;
}

/* A new session (setsid) also makes the child a process group leader. */
void
virCommandSetNewSession(virCommand *cmd, gboolean newsession)
{
    g_return_if_fail(cmd);
    cmd->newsession = newsession;
}

/**
 * virCommandSetPromptStart:
 * @prompt: ask the scheduler to run the new child at once
 *
 * For short children the caller waits for (hooks).  On a machine whose
 * CPUs are all busy (TCG guests), a new child is often queued behind a
 * CPU-bound thread until that thread's slice ends, up to a scheduler tick,
 * while the caller sits blocked in the spawn.  With this set, the calling
 * thread asks for the shortest EEVDF slice (Linux >= 6.12; a no-op before)
 * just for the time of the spawn; the child inherits it, so it preempts
 * at once, and both get their previous attributes back as soon as the
 * child has exec'd: the program itself runs with the caller's ordinary
 * scheduling attributes (the slice is per thread: a child that starts a
 * thread or process within microseconds of its exec, before the caller
 * was back on a CPU, could pass the short slice on; nothing else changes,
 * neither the policy nor the nice value nor the weight).
 */
void
virCommandSetPromptStart(virCommand *cmd, gboolean prompt)
{
    g_return_if_fail(cmd);
    cmd->prompt = prompt;
}

void
virCommandSetWorkingDirectory(virCommand *cmd, const char *dir)
{
    g_return_if_fail(cmd && dir);
    g_free(cmd->cwd);
    cmd->cwd = g_strdup(dir);
}

/* 0 = no deadline. */
void
virCommandSetTimeout(virCommand *cmd, guint timeout_ms)
{
    g_return_if_fail(cmd);
    cmd->timeout_ms = timeout_ms;
}

void
virCommandSetGrace(virCommand *cmd, guint grace_ms)
{
    g_return_if_fail(cmd);
    cmd->grace_ms = grace_ms;
}

/**
 * virCommandToString:
 *
 * Returns: (transfer full): the environment and argv, shell-quoted, for logs.
 */
char *
virCommandToString(const virCommand *cmd)
{
    GString *s = g_string_new(NULL);
    g_autofree char *args = NULL;

    for (guint i = 0; i < cmd->env->len; i++) {
        const char *e = g_ptr_array_index(cmd->env, i);
        const char *eq = strchr(e, '=');
        g_autofree char *q = g_shell_quote(eq + 1);
        g_string_append_printf(s, "%.*s=%s ", (int)(eq - e), e, q);
    }
    args = virCommandArgvToString(cmd);
    g_string_append(s, args);
    return g_string_free(s, FALSE);
}

/**
 * virCommandArgvToString:
 *
 * Returns: (transfer full): argv, shell-quoted where needed, for logs.
 */
char *
virCommandArgvToString(const virCommand *cmd)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < cmd->argv->len; i++) {
        const char *arg = g_ptr_array_index(cmd->argv, i);
        gboolean plain = *arg != '\0';

        for (const char *p = arg; *p && plain; p++)
            plain = g_ascii_isalnum(*p) || strchr("-_./:=@%+,", *p);
        if (i)
            g_string_append_c(s, ' ');
        if (plain) {
            g_string_append(s, arg);
        } else {
            g_autofree char *q = g_shell_quote(arg);
            g_string_append(s, q);
        }
    }
    return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------------ */
/* Starting                                                            */

/* Move @fd to a number >= @min, close-on-exec; closes the original. */
static int
virCommandFdAbove(int fd, int min)
{
    int nfd;

    if (fd >= min)
        return fd;
    nfd = fcntl(fd, F_DUPFD_CLOEXEC, min);
    close(fd);
    return nfd;
}

static gboolean
virCommandMakePipe(int fds[2], int min, GError **error)
{
    if (pipe2(fds, O_CLOEXEC) < 0 ||
        (fds[0] = virCommandFdAbove(fds[0], min)) < 0 ||
        (fds[1] = virCommandFdAbove(fds[1], min)) < 0) {
        int saved = errno;
        g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SYSTEM,
                    _("cannot create a pipe: %s"), g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    int fds[8];
    size_t n;
} virCommandFdList;

static void
virCommandFdListAdd(virCommandFdList *l, int fd)
{
    g_assert(l->n < G_N_ELEMENTS(l->fds));
    l->fds[l->n++] = fd;
}

static void
virCommandFdListClose(virCommandFdList *l)
{
    for (size_t i = 0; i < l->n; i++)
        close(l->fds[i]);
    l->n = 0;
}

/* Sets up one of the child's stdio: a pipe (our end goes to @parent_end),
 * a copy of the caller's fd, or /dev/null opened in the child. */
static gboolean
virCommandStdio(posix_spawn_file_actions_t *fa, int target, gboolean want_pipe, int user_fd,
                int min, int *parent_end, virCommandFdList *tmp, GError **error)
{
    int fds[2];
    int src;

    if (want_pipe) {
        if (!virCommandMakePipe(fds, min, error))
            return FALSE;
        *parent_end = target == 0 ? fds[1] : fds[0];
        fcntl(*parent_end, F_SETFL, O_NONBLOCK);
        src = target == 0 ? fds[0] : fds[1];
    } else if (user_fd >= 0) {
        if ((src = fcntl(user_fd, F_DUPFD_CLOEXEC, min)) < 0) {
            int saved = errno;
            g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SYSTEM,
                        _("cannot duplicate file descriptor %d: %s"), user_fd,
                        g_strerror(saved));
            return FALSE;
        }
    } else {
        posix_spawn_file_actions_addopen(fa, target, "/dev/null", O_RDWR, 0);
        return TRUE;
    }
    virCommandFdListAdd(tmp, src);
    posix_spawn_file_actions_adddup2(fa, src, target);
    return TRUE;
}

static gboolean
virCommandBuildActions(virCommand *cmd, posix_spawn_file_actions_t *fa, GArray *highfds,
                       virCommandFdList *tmp, GError **error)
{
    int min = 3 + (int)cmd->passfds->len;

    if (!virCommandStdio(fa, 0, cmd->input != NULL, -1, min, &cmd->in_fd, tmp, error) ||
        !virCommandStdio(fa, 1, cmd->out.capture, cmd->out_fd, min, &cmd->out.fd, tmp, error) ||
        !virCommandStdio(fa, 2, cmd->err.capture, cmd->err_fd, min, &cmd->err.fd, tmp, error))
        return FALSE;


    /* Passed fds are renumbered 3, 4, ...: first lift every source above
     * the target range so no dup2 can clobber a source still needed. */
    for (guint i = 0; i < cmd->passfds->len; i++) {
        int fd = fcntl(g_array_index(cmd->passfds, int, i), F_DUPFD_CLOEXEC, min);
        if (fd < 0) {
            int saved = errno;
            g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SYSTEM,
                        _("cannot duplicate file descriptor %d: %s"),
                        g_array_index(cmd->passfds, int, i), g_strerror(saved));
            return FALSE;
        }
        g_array_append_val(highfds, fd);
        posix_spawn_file_actions_adddup2(fa, fd, 3 + (int)i);
    }
    posix_spawn_file_actions_addclosefrom_np(fa, min);
    posix_spawn_file_actions_addchdir_np(fa, cmd->cwd ? cmd->cwd : "/");
    return TRUE;
}

static void
virCommandBuildAttrs(virCommand *cmd, posix_spawnattr_t *attr)
{
    sigset_t all, none;
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;

    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(attr, &all);
    posix_spawnattr_setsigmask(attr, &none);
    if (cmd->newsession) {
        flags |= POSIX_SPAWN_SETSID;
    } else if (cmd->newgroup) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(attr, 0);
    }
    posix_spawnattr_setflags(attr, flags);
}

static char **
virCommandStrv(GPtrArray *arr)
{
    char **v = g_new0(char *, arr->len + 1);

    for (guint i = 0; i < arr->len; i++)
        v[i] = g_ptr_array_index(arr, i);
    return v;
}

/* struct sched_attr of sched_setattr(2); <linux/sched/types.h> clashes with
 * glibc's <sched.h>, and glibc 2.36 has no wrapper. */
typedef struct {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;   /* for SCHED_OTHER: the slice, in ns */
    uint64_t sched_deadline;
    uint64_t sched_period;
} virCommandSchedAttr;

#define VIR_SCHED_FLAG_RESET_ON_FORK 0x01

static int
virCommandSchedSet(pid_t tid, const virCommandSchedAttr *attr)
{
    return syscall(SYS_sched_setattr, tid, attr, 0);
}

/* Gives the calling thread the shortest slice; @saved gets what to put
 * back.  FALSE when nothing was changed (not SCHED_OTHER, old kernel...). */
static gboolean
virCommandPromptBegin(virCommandSchedAttr *saved)
{
    virCommandSchedAttr attr;

    memset(saved, 0, sizeof(*saved));
    if (syscall(SYS_sched_getattr, 0, saved, sizeof(*saved), 0) < 0 ||
        saved->sched_policy != SCHED_OTHER || saved->sched_runtime <= PROMPT_SLICE_NS)
        return FALSE;
    saved->size = sizeof(*saved);
    saved->sched_flags &= VIR_SCHED_FLAG_RESET_ON_FORK;
    attr = *saved;
    attr.sched_runtime = PROMPT_SLICE_NS;
    return virCommandSchedSet(0, &attr) == 0;
}

/* The child has exec'd (posix_spawn returned): it, then we, get the
 * caller's attributes back.  The child is not reaped, so @pid is still it. */
static void
virCommandPromptEnd(const virCommandSchedAttr *saved, pid_t pid)
{
    if (pid > 0 && virCommandSchedSet(pid, saved) < 0)
        g_debug("cannot give process %d its scheduling attributes back: %s", (int)pid,
                g_strerror(errno));
    virCommandSchedSet(0, saved);
}

/**
 * virCommandStart:
 *
 * Starts the child.  Follow with virCommandWait(), or steal the pidfd
 * for a child that must outlive this command (a daemon in its own session).
 *
 * Returns: TRUE on success.
 */
gboolean
virCommandStart(virCommand *cmd, GError **error)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    virCommandFdList tmp = {0};
    g_autoptr(GArray) highfds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autofree char **argv = virCommandStrv(cmd->argv);
    g_autofree char **envp = virCommandStrv(cmd->env);
    virCommandSchedAttr sched;
    gboolean prompt = FALSE;
    gboolean ok;
    int rc = 0;

    g_return_val_if_fail(cmd && !cmd->started, FALSE);
    virCommandInitOnce();
    cmd->started = TRUE;
    if (cmd->out.capture)
        cmd->out.buf = g_byte_array_new();
    if (cmd->err.capture)
        cmd->err.buf = g_byte_array_new();

    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    ok = virCommandBuildActions(cmd, &fa, highfds, &tmp, error);
    if (ok) {
        virCommandBuildAttrs(cmd, &attr);
        prompt = cmd->prompt && virCommandPromptBegin(&sched);
        cmd->start_us = g_get_monotonic_time();
        rc = posix_spawn(&cmd->pid, cmd->binary, &fa, &attr, argv, envp);
        if (prompt)
            virCommandPromptEnd(&sched, rc == 0 ? cmd->pid : -1);
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    virCommandFdListClose(&tmp);
    for (guint i = 0; i < highfds->len; i++)
        close(g_array_index(highfds, int, i));
    if (!ok)
        goto error;

    if (rc != 0) {
        g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SPAWN,
                    _("cannot execute '%s': %s"), cmd->binary, g_strerror(rc));
        goto error;
    }

    /* Nobody else reaps our children, so the pid cannot be recycled
     * before this pidfd pins it. */
    cmd->pidfd = pidfd_open(cmd->pid, 0);
    if (cmd->pidfd < 0) {
        int saved = errno;
        kill(cmd->pid, SIGKILL);
        waitpid(cmd->pid, NULL, 0);
        g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SYSTEM,
                    _("cannot open a pidfd for process %d: %s"), (int)cmd->pid,
                    g_strerror(saved));
        goto error;
    }
    return TRUE;

 error:
    cmd->pid = -1;
    virCommandPipeClose(&cmd->out);
    virCommandPipeClose(&cmd->err);
    if (cmd->in_fd >= 0)
        close(cmd->in_fd);
    cmd->in_fd = -1;
    return FALSE;
}

pid_t
virCommandGetPid(const virCommand *cmd)
{
    return cmd->pid;
}

/* The caller takes over the child: it must reap it itself. */
int
virCommandStealPidfd(virCommand *cmd)
{
    int fd = cmd->pidfd;

    cmd->pidfd = -1;
    cmd->waited = TRUE;
    return fd;
}

/* ------------------------------------------------------------------ */
/* Waiting                                                             */

static void
virCommandPipeRead(virCommandPipe *p, gsize limit)
{
    char buf[READ_CHUNK];
    gsize got = 0;

    while (p->fd >= 0 && got < limit) {
        ssize_t n = read(p->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            virCommandPipeClose(p);
            return;
        }
        got += n;
        p->total += n;
        if (p->capture && p->buf->len < p->cap)
            g_byte_array_append(p->buf, (guint8 *)buf, MIN((gsize)n, p->cap - p->buf->len));
    }
}

static void
virCommandWriteInput(virCommand *cmd)
{
    gsize len;
    const char *data = g_bytes_get_data(cmd->input, &len);

    while (cmd->in_off < len) {
        ssize_t n = write(cmd->in_fd, data + cmd->in_off, MIN(len - cmd->in_off, 65536));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) /* EPIPE: the child does not want the rest */
            break;
        cmd->in_off += n;
    }
    close(cmd->in_fd);
    cmd->in_fd = -1;
}

static void
virCommandSignal(virCommand *cmd, int sig)
{
    if (cmd->newgroup || cmd->newsession)
        kill(-cmd->pid, sig);
    else
        pidfd_send_signal(cmd->pidfd, sig, NULL, 0);
}

/* Does any live process other than the (unreaped) leader belong to the
 * group?  Zombies do not count: they are already dead. */
static gboolean
virCommandGroupHasMembers(pid_t pgid)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    if (!proc)
        return kill(-pgid, 0) == 0;
    while ((name = g_dir_read_name(proc))) {
        g_autofree char *path = NULL;
        g_autofree char *stat = NULL;
        const char *p;
        char state;
        int ppid, pgrp;

        if (!g_ascii_isdigit(name[0]) || atoi(name) == pgid)
            continue;
        path = g_strdup_printf("/proc/%s/stat", name);
        if (!g_file_get_contents(path, &stat, NULL, NULL) || !(p = strrchr(stat, ')')))
            continue;
        if (sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
            state != 'Z')
            return TRUE;
    }
    return FALSE;
}

/* After the leader of a timed-out group exited: give the rest of the
 * group the remainder of the grace period, then SIGKILL whatever is left.
 * The leader is not reaped yet, so the group id cannot be reused and the
 * signal cannot reach an unrelated group. */
static void
virCommandReapGroup(virCommand *cmd, gint64 kill_at)
{
    if (!(cmd->newgroup || cmd->newsession))
        return;
    while (virCommandGroupHasMembers(cmd->pid) && g_get_monotonic_time() < kill_at)
        g_usleep(GROUP_POLL_MS * 1000);
    kill(-cmd->pid, SIGKILL);
}

static int
virCommandPollTimeout(gint64 now, gint64 next)
{
    if (next <= 0)
        return -1;
    if (next <= now)
        return 0;
    return (int)MIN((next - now + 999) / 1000, G_MAXINT);
}

/* Polls until the child exits; handles the deadline. */
static gboolean
virCommandWaitExit(virCommand *cmd, gboolean *timed_out, GError **error)
{
    gint64 deadline = cmd->timeout_ms ? cmd->start_us + (gint64)cmd->timeout_ms * 1000 : 0;
    gint64 kill_at = 0;
    gboolean killed = FALSE;
    /* Most children exit quickly with little output, which the pipe
     * buffers hold.  Watching only the pidfd at first spares a wake-up for
     * the pipes' hang-up just before the exit; after OUTPUT_WATCH_DELAY_MS
     * the pipes are read as they fill. */
    gint64 watch_at = cmd->start_us + OUTPUT_WATCH_DELAY_MS * 1000;
    gboolean watch_out = FALSE;
    gint64 next;

    for (;;) {
        struct pollfd pfd[4];
        nfds_t n = 0;
        gint64 now = g_get_monotonic_time();
        int rc;

        if (deadline && !*timed_out && now >= deadline) {
            *timed_out = TRUE;
            kill_at = now + (gint64)cmd->grace_ms * 1000;
            virCommandSignal(cmd, SIGTERM);
        }
        if (*timed_out && !killed && now >= kill_at) {
            killed = TRUE;
            virCommandSignal(cmd, SIGKILL);
        }

        pfd[n++] = (struct pollfd){.fd = cmd->pidfd, .events = POLLIN};
        if (cmd->in_fd >= 0)
            pfd[n++] = (struct pollfd){.fd = cmd->in_fd, .events = POLLOUT};
        if (watch_out && cmd->out.fd >= 0)
            pfd[n++] = (struct pollfd){.fd = cmd->out.fd, .events = POLLIN};
        if (watch_out && cmd->err.fd >= 0)
            pfd[n++] = (struct pollfd){.fd = cmd->err.fd, .events = POLLIN};

        next = killed ? 0 : *timed_out ? kill_at : deadline;
        if (!watch_out && (next == 0 || next > watch_at))
            next = watch_at;
        rc = poll(pfd, n, virCommandPollTimeout(now, next));
        if (!watch_out && g_get_monotonic_time() >= watch_at)
            watch_out = TRUE;
        if (rc < 0 && errno != EINTR) {
            int saved = errno;
            g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SYSTEM,
                        _("cannot wait for process %d: %s"), (int)cmd->pid, g_strerror(saved));
            return FALSE;
        }
        if (rc <= 0)
            continue;
        if (pfd[0].revents)
            break;
        if (cmd->in_fd >= 0)
            virCommandWriteInput(cmd);
        virCommandPipeRead(&cmd->out, READ_CHUNK);
        virCommandPipeRead(&cmd->err, READ_CHUNK);
    }

    if (*timed_out)
        virCommandReapGroup(cmd, killed ? 0 : kill_at);
    return TRUE;
}

static void
virCommandHandOffPipe(virCommandPipe *p)
{
    if (p->fd < 0)
        return;
    virCommandDrainAdd(p->fd);
    p->fd = -1;
}

static GBytes *
virCommandPipeSteal(virCommandPipe *p)
{
    if (!p->capture)
        return NULL;
    return g_byte_array_free_to_bytes(g_steal_pointer(&p->buf));
}

/**
 * virCommandWait:
 * @res: (out caller-allocates): filled on success; clear with
 *   virCommandResultClear()
 *
 * Waits for the child started by virCommandStart() to exit (or be killed at
 * the deadline).  A non-zero exit is not an error here: look at @res.
 *
 * Returns: TRUE when the child was waited for.
 */
gboolean
virCommandWait(virCommand *cmd, virCommandResult *res, GError **error)
{
    siginfo_t info = {0};
    gboolean timed_out = FALSE;

    g_return_val_if_fail(cmd && cmd->pidfd >= 0 && !cmd->waited, FALSE);
    cmd->waited = TRUE;
    memset(res, 0, sizeof(*res));

    /* most inputs fit in the pipe: saves a trip through poll() */
    if (cmd->in_fd >= 0)
        virCommandWriteInput(cmd);
    if (!virCommandWaitExit(cmd, &timed_out, error))
        return FALSE;
    res->duration_us = g_get_monotonic_time() - cmd->start_us;

    if (cmd->in_fd >= 0) {
        close(cmd->in_fd);
        cmd->in_fd = -1;
    }
    /* What the child wrote before exiting is in the pipes now; anything
     * later comes from a grandchild and must not hold us up. */
    virCommandPipeRead(&cmd->out, EXIT_DRAIN_LIMIT);
    virCommandPipeRead(&cmd->err, EXIT_DRAIN_LIMIT);
    virCommandHandOffPipe(&cmd->out);
    virCommandHandOffPipe(&cmd->err);

    while (waitid(P_PIDFD, cmd->pidfd, &info, WEXITED) < 0) {
        if (errno != EINTR) {
            int saved = errno;
            g_set_error(error, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SYSTEM,
                        _("cannot reap process %d: %s"), (int)cmd->pid, g_strerror(saved));
            return FALSE;
        }
    }
    close(cmd->pidfd);
    cmd->pidfd = -1;

    res->exited = info.si_code == CLD_EXITED;
    if (res->exited)
        res->exit_status = info.si_status;
    else
        res->term_signal = info.si_status;
    res->timed_out = timed_out;
    res->timeout_ms = cmd->timeout_ms;
    res->out = virCommandPipeSteal(&cmd->out);
    res->err = virCommandPipeSteal(&cmd->err);
    res->out_total = cmd->out.total;
    res->err_total = cmd->err.total;
    return TRUE;
}

/**
 * virCommandRun:
 *
 * virCommandStart() then virCommandWait().
 */
gboolean
virCommandRun(virCommand *cmd, virCommandResult *res, GError **error)
{
    if (!virCommandStart(cmd, error))
        return FALSE;
    return virCommandWait(cmd, res, error);
}

void
virCommandResultClear(virCommandResult *res)
{
    g_clear_pointer(&res->out, g_bytes_unref);
    g_clear_pointer(&res->err, g_bytes_unref);
}

gboolean
virCommandResultSucceeded(const virCommandResult *res)
{
    return !res->timed_out && res->exited && res->exit_status == 0;
}

/**
 * virCommandResultDescribe:
 *
 * Returns: (transfer full): "exit status N", "killed by signal S (NAME)" or
 * "timed out after T s".
 */
char *
virCommandResultDescribe(const virCommandResult *res)
{
    if (res->timed_out)
        return g_strdup_printf(_("timed out after %g s"), res->timeout_ms / 1000.0);
    if (res->exited)
        return g_strdup_printf(_("exit status %d"), res->exit_status);
    return g_strdup_printf(_("killed by signal %d (SIG%s)"), res->term_signal,
                           sigabbrev_np(res->term_signal) ? sigabbrev_np(res->term_signal)
                                                          : "?");
}
