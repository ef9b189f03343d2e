/* The table of report formats. A format is one file in src/output/ that
 * defines its ps_report_writer, and one row here. */
#include <string.h>
#include <strings.h>

#include "report_view.h"

extern const ps_report_writer report_writer_text;
extern const ps_report_writer report_writer_csv;
extern const ps_report_writer report_writer_json;
extern const ps_report_writer report_writer_html;

static const ps_report_writer *const table[] = {
    &report_writer_text,
    &report_writer_csv,
    &report_writer_json,
    &report_writer_html,
};

#define NWRITERS (sizeof(table) / sizeof(table[0]))

const ps_report_writer *report_writer_find(const char *name)
{
    for (size_t i = 0; name && i < NWRITERS; i++)
        if (strcasecmp(name, table[i]->name) == 0)
            return table[i];
    return NULL;
}

const ps_report_writer *report_writer_for_path(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    for (size_t i = 0; i < NWRITERS; i++) {
        const char *suffix = table[i]->suffix;
        size_t m = suffix ? strlen(suffix) : 0;
        if (m && n > m && strcasecmp(path + n - m, suffix) == 0)
            return table[i];
    }
    return NULL;
}

const char *report_writer_name(const ps_report_writer *w)
{
    return w->name;
}

const ps_report_writer *report_writer_at(size_t i)
{
    return i < NWRITERS ? table[i] : NULL;
}
