/*
 * virenum.c: enum <-> string tables
 */
#include "virenum.h"

#include <string.h>

/**
 * virEnumFromString:
 * @types: the table
 * @ntypes: its length
 * @type: the string to look up (may be NULL)
 *
 * Returns: the index of @type in @types, or -1 if absent.
 */
int
virEnumFromString(const char *const *types, unsigned int ntypes, const char *type)
{
    if (!type)
        return -1;
    for (unsigned int i = 0; i < ntypes; i++) {
        if (types[i] && strcmp(types[i], type) == 0)
            return (int)i;
    }
    return -1;
}

/**
 * virEnumToString:
 * @types: the table
 * @ntypes: its length
 * @type: the value
 *
 * Returns: the static string for @type, or NULL when out of range.
 */
const char *
virEnumToString(const char *const *types, unsigned int ntypes, int type)
{
    if (type < 0 || (unsigned int)type >= ntypes)
        return NULL;
    return types[type];
}
