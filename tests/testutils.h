/*
 * testutils.h: helpers shared by the unit tests
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

gboolean testProcessGroupAlive(pid_t pgid);
gboolean testProcessGroupGone(pid_t pgid);
char *testWriteScript(const char *dir, const char *name, const char *body);
void testRemoveTree(const char *path);
char *testWriteExecutable(const char *dir, const char *name, const char *body, gssize len);
gboolean testRegenerate(void);
char *testReadFile(const char *path);
void testCompareGolden(const char *path, const char *actual);
char *testSiblingPath(const char *path, const char *suffix);
void testAddDataFiles(GPtrArray *keep, const char *dir, const char *ext, const char *prefix,
                      GTestDataFunc func);
void testAddDataDir(GPtrArray *keep, const char *dir, const char *prefix, GTestDataFunc func);
