/* --service: the set of labels a run keeps, and the names suggested when a
 * name is not in the registry. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portsniff/packet.h"
#include "portsniff/service_select.h"

#define MAX_NAME 64       /* longer than any service name RFC 6335 allows (15) */
#define MAX_PORT_ROWS 64

struct ps_service_select {
    char **names;         /* lower-cased, no duplicates */
    size_t n, cap;
};

void service_select_free(ps_service_select *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->names[i]);
    free(s->names);
    free(s);
}

static int has_name(const ps_service_select *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcasecmp(s->names[i], name) == 0)
            return 1;
    return 0;
}

static int add_name(ps_service_select *s, const char *name)
{
    if (has_name(s, name))
        return 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **p = realloc(s->names, cap * sizeof *p);
        if (!p)
            return 0;
        s->names = p;
        s->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return 0;
    for (char *c = copy; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    s->names[s->n++] = copy;
    return 1;
}

/* A row's service on its own port: the first name of the service it is an
 * alias of, or its own. Rows without a transport are judged on each. */
static int add_services_of_row(ps_service_select *s, const ps_registry *reg, const ps_reg_entry *e)
{
    if (!e->has_port)
        return 1;
    for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++) {
        if (e->transport != PS_TRANSPORT_NONE && e->transport != t)
            continue;
        ps_reg_port_row rows[MAX_PORT_ROWS];
        size_t n = registry_port_rows(reg, t, e->port_lo, rows, MAX_PORT_ROWS);
        for (size_t i = 0; i < n && i < MAX_PORT_ROWS; i++)
            if (rows[i].entry == e && rows[i].service->name && !add_name(s, rows[i].service->name))
                return 0;
    }
    return 1;
}

/* "did you mean a, b, c?" or "" */
static void suggestions(const ps_registry *reg, const char *name, char *buf, size_t len)
{
    const char *near[5];
    size_t n = registry_suggest_names(reg, name, near, 5);
    buf[0] = '\0';
    if (n == 0)
        return;
    size_t used = (size_t)snprintf(buf, len, " (did you mean ");
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", near[i]);
    if (used < len)
        snprintf(buf + used, len - used, "?)");
}

ps_service_select *service_select_parse(const ps_registry *reg, const char *list, char *err,
                                        size_t errlen)
{
    ps_service_select *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "--service: out of memory");
        return NULL;
    }
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[MAX_NAME + 1];
        if (len == 0) {
            snprintf(err, errlen, "--service: empty service name in '%s'", list);
            goto fail;
        }
        if (len > MAX_NAME) {
            snprintf(err, errlen, "--service: service name '%.*s...' is too long", 20, p);
            goto fail;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        const ps_reg_entry *rows[MAX_PORT_ROWS];
        size_t nrows = registry_find_name(reg, name, rows, MAX_PORT_ROWS);
        if (nrows == 0) {
            char near[256];
            suggestions(reg, name, near, sizeof near);
            snprintf(err, errlen, "--service: no service named '%s' in %s%s", name,
                     registry_source(reg), near);
            goto fail;
        }
        if (!add_name(s, name))
            goto oom;
        for (size_t i = 0; i < nrows && i < MAX_PORT_ROWS; i++)
            if (!add_services_of_row(s, reg, rows[i]))
                goto oom;
        if (!comma)
            break;
        p = comma + 1;
    }
    return s;
oom:
    snprintf(err, errlen, "--service: out of memory");
fail:
    service_select_free(s);
    return NULL;
}

int service_select_match(const ps_service_select *s, const ps_label *label)
{
    if (label->status != PS_REG_NAMED || !label->entry || !label->entry->name)
        return 0;
    return has_name(s, label->entry->name);
}

/* Levenshtein distance without case, giving up (returning limit + 1) once
 * every entry of a row exceeds limit. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX_NAME || lb > MAX_NAME)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    size_t prev[MAX_NAME + 1], cur[MAX_NAME + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > limit)
            return limit + 1;
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

typedef struct candidate {
    const char *name;
    size_t score;   /* edit distance; a name the query begins gets its extra length */
    int other_initial;   /* 1 when it does not begin with the query's first letter */
} candidate;

static int candidate_before(const candidate *x, const candidate *y)
{
    if (x->score != y->score)
        return x->score < y->score;
    if (x->other_initial != y->other_initial)
        return x->other_initial < y->other_initial;
    return strcmp(x->name, y->name) < 0;
}

size_t registry_suggest_names(const ps_registry *reg, const char *name, const char **out,
                              size_t max)
{
    size_t len = strlen(name);
    size_t limit = len / 3 ? len / 3 : 1;
    candidate best[16];
    size_t nbest = 0;
    if (max > 16)
        max = 16;
    for (size_t i = 0; i < registry_name_count(reg); i++) {
        const char *cand = registry_name_at(reg, i);
        size_t score;
        if (len > 0 && strncasecmp(cand, name, len) == 0)
            score = strlen(cand) - len;   /* a longer name it begins */
        else
            score = edit_distance(name, cand, limit);
        if (score > limit && !(len > 0 && strncasecmp(cand, name, len) == 0))
            continue;
        candidate c = {cand, score,
                       tolower((unsigned char)cand[0]) != tolower((unsigned char)name[0])};
        /* Insert into the sorted best list, keeping at most max. */
        size_t at = nbest;
        while (at > 0 && candidate_before(&c, &best[at - 1]))
            at--;
        if (at >= max)
            continue;
        size_t last = nbest < max ? nbest : max - 1;
        memmove(&best[at + 1], &best[at], (last - at) * sizeof best[0]);
        best[at] = c;
        if (nbest < max)
            nbest++;
    }
    for (size_t i = 0; i < nbest; i++)
        out[i] = best[i].name;
    return nbest;
}
