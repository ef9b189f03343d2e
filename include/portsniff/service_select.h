/* --service NAME[,NAME...]: keep only the flows labelled with those
 * registry names (records and report), whatever ports carry them. */
#ifndef PORTSNIFF_SERVICE_SELECT_H
#define PORTSNIFF_SERVICE_SELECT_H

#include <stddef.h>
#include "portsniff/attribute.h"
#include "portsniff/registry.h"

typedef struct ps_service_select ps_service_select;

/* The names in list, checked against the registry. A name selects the
 * flows labelled with it or with another name of the same service (www
 * selects http's flows: the registry's aliases). NULL with a one-line
 * reason in err when the list is malformed (an empty name) or names a
 * service the registry does not know, with the nearest names it does. */
ps_service_select *service_select_parse(const ps_registry *reg, const char *list, char *err,
                                        size_t errlen);
void service_select_free(ps_service_select *s);

/* 1 when the flow labelled so is selected. */
int service_select_match(const ps_service_select *s, const ps_label *label);

/* Up to max registry names nearest to name, nearest first: edit distance
 * (case ignored) at most a third of the name's length (at least 1), or a
 * name that begins with it (as far as its extra length); ties go to names
 * with the same first letter, then to name order. Returns how many. */
size_t registry_suggest_names(const ps_registry *reg, const char *name, const char **out,
                              size_t max);

#endif
