/*
 * hook-overhead.c: what virHookCall() costs on top of the bare spawn of the
 * same script
 *
 * One process, one temporary hooks directory holding a trivial "qemu" script
 * ("#!/bin/sh\nexit 0").  Each iteration times, with the monotonic clock:
 *  (a) virHookCall(qemu, "bench", prepare, begin, XML on stdin), the full
 *      path a driver takes: discovery, permission check, environment, pipes,
 *      spawn through vircommand, wait, log line;
 *  (b) a raw posix_spawn() of the same script with the same four arguments,
 *      stdio on /dev/null, then waitpid(): the physical floor.
 * The order flips every iteration (a b, b a, ...) so slow drift of the
 * machine (frequency, page cache, other load) falls on both sides equally.
 *
 * Exempt from the "every child goes through src/util/vircommand.c" rule
 * (STYLE.md, tests/syntax-check.sh): the baseline here is raw posix_spawn by
 * definition.
 *
 * Always exits 0 once it has measured: it reports, it does not judge.
 */
#define G_LOG_DOMAIN "virtd.bench"

#include "virhook.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_OBJECT    "bench"
#define BENCH_INPUT     "<domain/>"
#define BENCH_SCRIPT    "#!/bin/sh\nexit 0\n"
#define BENCH_GOAL      1.10
#define BENCH_HOOK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct {
    char *dir;    /* temporary hooks directory */
    char *script; /* <dir>/qemu */
    char **argv;  /* script bench prepare begin - */
    char **envp;  /* what the hook gets, see benchHookEnv() */
    int devnull;
    posix_spawn_file_actions_t fa;
    gboolean fa_ready;
} BenchSetup;

static gint64
benchNowNs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

static gboolean
benchWriteScript(BenchSetup *b, GError **error)
{
    if (!g_file_set_contents_full(b->script, BENCH_SCRIPT, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0755,
                                  error))
        return FALSE;
    /* g_file_set_contents_full() applies the umask; the hook subsystem
     * refuses group/other-writable scripts, so be explicit. */
    if (g_chmod(b->script, 0755) < 0) {
        int saved = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "chmod '%s': %s",
                    b->script, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

/*
 * The environment virHookCall() gives a qemu/prepare/begin hook (LC_ALL,
 * the passed-through variables, VIRTD_HOOK_*), so that both sides exec the
 * shell with the same environment and the difference measured is virtd's
 * own work.  Keep in step with virHookAddEnv() in src/util/virhook.c.
 */
static char **
benchHookEnv(guint timeout)
{
    static const char *const passed[] = {
        "LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "HOME", "USER", "LOGNAME", "TMPDIR",
    };
    GPtrArray *env = g_ptr_array_new();

    g_ptr_array_add(env, g_strdup("LC_ALL=C"));
    for (size_t i = 0; i < G_N_ELEMENTS(passed); i++) {
        const char *v = g_getenv(passed[i]);
        if (v)
            g_ptr_array_add(env, g_strdup_printf("%s=%s", passed[i], v));
    }
    if (!g_getenv("PATH"))
        g_ptr_array_add(env, g_strdup("PATH=" BENCH_HOOK_PATH));
    g_ptr_array_add(env, g_strdup("VIRTD_HOOK_DRIVER=qemu"));
    g_ptr_array_add(env, g_strdup("VIRTD_HOOK_OBJECT=" BENCH_OBJECT));
    g_ptr_array_add(env, g_strdup("VIRTD_HOOK_OP=prepare"));
    g_ptr_array_add(env, g_strdup("VIRTD_HOOK_SUBOP=begin"));
    g_ptr_array_add(env, g_strdup_printf("VIRTD_HOOK_TIMEOUT=%u", timeout));
    g_ptr_array_add(env, NULL);
    return (char **)g_ptr_array_free(env, FALSE);
}

static void
benchSetupClear(BenchSetup *b)
{
    if (b->fa_ready)
        posix_spawn_file_actions_destroy(&b->fa);
    if (b->devnull >= 0)
        close(b->devnull);
    if (b->script)
        g_unlink(b->script);
    if (b->dir)
        g_rmdir(b->dir);
    g_free(b->script);
    g_free(b->dir);
    g_strfreev(b->argv);
    g_strfreev(b->envp);
    memset(b, 0, sizeof(*b));
    b->devnull = -1;
}

static gboolean
benchSetupInit(BenchSetup *b, GError **error)
{
    g_autoptr(virHookConfig) cfg = NULL;

    b->devnull = -1;
    if (!(b->dir = g_dir_make_tmp("virtd-bench-hooks-XXXXXX", error)))
        return FALSE;
    b->script = g_build_filename(b->dir, "qemu", NULL);
    if (!benchWriteScript(b, error))
        return FALSE;

    cfg = virHookConfigNew(b->dir);
    virHookSetConfig(cfg);

    b->argv = g_new0(char *, 6);
    b->argv[0] = g_strdup(b->script);
    b->argv[1] = g_strdup(BENCH_OBJECT);
    b->argv[2] = g_strdup("prepare");
    b->argv[3] = g_strdup("begin");
    b->argv[4] = g_strdup("-");
    b->envp =
        benchHookEnv(virHookConfigGetTimeout(cfg, VIR_HOOK_DRIVER_QEMU, VIR_HOOK_QEMU_OP_PREPARE));

    if ((b->devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
        int saved = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                    "cannot open /dev/null: %s", g_strerror(saved));
        return FALSE;
    }
    posix_spawn_file_actions_init(&b->fa);
    b->fa_ready = TRUE;
    for (int i = 0; i < 3; i++)
        posix_spawn_file_actions_adddup2(&b->fa, b->devnull, i);
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* The two contenders                                                  */

static gboolean
benchRunHook(gint64 *ns, GError **error)
{
    gint64 t0 = benchNowNs();
    gboolean ok = virHookCall(VIR_HOOK_DRIVER_QEMU, BENCH_OBJECT, VIR_HOOK_QEMU_OP_PREPARE,
                              VIR_HOOK_SUBOP_BEGIN, NULL, NULL, BENCH_INPUT, NULL, error);

    *ns = benchNowNs() - t0;
    return ok;
}

static gboolean
benchRunSpawn(const BenchSetup *b, gint64 *ns, GError **error)
{
    gint64 t0 = benchNowNs();
    pid_t pid;
    int status = 0;
    int rc = posix_spawn(&pid, b->script, &b->fa, NULL, b->argv, b->envp);

    if (rc == 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    *ns = benchNowNs() - t0;

    if (rc != 0) {
        g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "posix_spawn '%s': %s", b->script,
                    g_strerror(rc));
        return FALSE;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                    "'%s' did not exit with status 0 (wait status 0x%x)", b->script, status);
        return FALSE;
    }
    return TRUE;
}

/* One iteration, both contenders; the order flips with @i's parity. */
static gboolean
benchIteration(const BenchSetup *b, guint i, gint64 *hook_ns, gint64 *spawn_ns, GError **error)
{
    if (i % 2 == 0)
        return benchRunHook(hook_ns, error) && benchRunSpawn(b, spawn_ns, error);
    return benchRunSpawn(b, spawn_ns, error) && benchRunHook(hook_ns, error);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

typedef struct {
    double min, median, p90, p99, mean;
} BenchStats;

static gint
benchCompareNs(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a;
    gint64 y = *(const gint64 *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v, in microseconds. */
static double
benchPercentileUs(const gint64 *v, guint n, double p)
{
    guint rank = (guint)(p * n + 0.999999);

    return v[CLAMP(rank, 1, n) - 1] / 1000.0;
}

static BenchStats
benchStatsCompute(gint64 *v, guint n)
{
    BenchStats s = {0};
    double sum = 0;

    qsort(v, n, sizeof(*v), benchCompareNs);
    for (guint i = 0; i < n; i++)
        sum += v[i];
    s.min = v[0] / 1000.0;
    s.median = n % 2 ? v[n / 2] / 1000.0 : (v[n / 2 - 1] + v[n / 2]) / 2000.0;
    s.p90 = benchPercentileUs(v, n, 0.90);
    s.p99 = benchPercentileUs(v, n, 0.99);
    s.mean = sum / n / 1000.0;
    return s;
}

static void
benchStatsPrint(const char *name, guint n, const BenchStats *s)
{
    printf("%-11s n=%u median_us=%.1f p90_us=%.1f min_us=%.1f p99_us=%.1f mean_us=%.1f\n", name, n,
           s->median, s->p90, s->min, s->p99, s->mean);
}

/* ------------------------------------------------------------------ */

static gboolean
benchRun(const BenchSetup *b, guint iterations, guint warmup, GError **error)
{
    g_autofree gint64 *hook = g_new(gint64, iterations);
    g_autofree gint64 *spawn = g_new(gint64, iterations);
    BenchStats hs, ss;
    gint64 h, s;

    for (guint i = 0; i < warmup; i++) {
        if (!benchIteration(b, i, &h, &s, error))
            return FALSE;
    }
    for (guint i = 0; i < iterations; i++) {
        if (!benchIteration(b, i, &hook[i], &spawn[i], error))
            return FALSE;
    }

    hs = benchStatsCompute(hook, iterations);
    ss = benchStatsCompute(spawn, iterations);
    printf("script=%s iterations=%u warmup=%u order=alternating\n", b->script, iterations, warmup);
    benchStatsPrint("virHookCall", iterations, &hs);
    benchStatsPrint("posix_spawn", iterations, &ss);
    printf("overhead_median_us=%.1f\n", hs.median - ss.median);
    printf("ratio=%.3fx (goal <= %.2f)\n", hs.median / ss.median, BENCH_GOAL);
    return TRUE;
}

int
main(int argc, char **argv)
{
    gint iterations = 2000;
    gint warmup = 100;
    GOptionEntry entries[] = {
        {"iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Measured iterations (default 2000)",
         "N"},
        {"warmup", 'w', 0, G_OPTION_ARG_INT, &warmup, "Unmeasured warm-up iterations (default 100)",
         "W"},
        {NULL},
    };
    g_autoptr(GOptionContext) octx =
        g_option_context_new("- time virHookCall() against a raw posix_spawn()");
    g_autoptr(GError) error = NULL;
    BenchSetup b = {.devnull = -1};
    gboolean ok;

    g_option_context_add_main_entries(octx, entries, NULL);
    if (!g_option_context_parse(octx, &argc, &argv, &error)) {
        fprintf(stderr, "hook-overhead: %s\n", error->message);
        return 2;
    }
    if (iterations < 1 || warmup < 0) {
        fprintf(stderr, "hook-overhead: -n must be >= 1 and -w >= 0\n");
        return 2;
    }

    ok = benchSetupInit(&b, &error) && benchRun(&b, iterations, warmup, &error);
    virHookSetConfig(NULL);
    benchSetupClear(&b);
    if (!ok) {
        fprintf(stderr, "hook-overhead: %s\n", error->message);
        return 1;
    }
    return 0;
}
