/* ps-regcompile IN.csv OUT.c: turns the registry into C data so the program
 * starts without parsing a megabyte of CSV. The file goes through the same
 * parser the program uses at run time, so a row the program would refuse
 * also fails the build.
 *
 * ps-regcompile --list IN.csv: the same checks, then what data/update-registry.sh
 * compares two editions by, on standard output: one line
 *   # format=iana-csv|services rows=N date=YYYY-MM-DD|unknown newest-row=YYYY-MM-DD|unknown caveat=same|changed|none
 * (date as the build would record it; newest-row the latest Registration or
 * Modification Date; caveat whether IANA's NAME.xml beside IN.csv holds the
 * caveat box portsniff prints, "none" without an XML), then one line per row
 * with a service name, in file order:
 *   NAME<TAB>PORT/TRANSPORT
 * PORT is "80", "6000-6063" or "-" (no port), TRANSPORT "any" for a row
 * without one; bytes below 0x20 and backslashes in NAME are written \xNN. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portsniff/packet.h"
#include "portsniff/registry.h"
#include "registry_impl.h"

/* Octal escapes are always three digits so a following digit cannot extend
 * them, and '?' is escaped so no trigraph can form. */
static void put_c_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("NULL", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(out, "\\%03o", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void put_row(FILE *out, const ps_reg_entry *e)
{
    fputs("    {", out);
    put_c_string(out, e->name);
    fputs(", ", out);
    put_c_string(out, e->description);
    fputs(", ", out);
    put_c_string(out, e->alias_of);
    fputs(", ", out);
    put_c_string(out, e->reference);
    fprintf(out, ", %u, %u, %u, %u, %u, %u, %luUL},\n", e->port_lo, e->port_hi, e->transport,
            e->status, e->has_port, e->has_service_code, (unsigned long)e->service_code);
}

/* One row of a table of three numbers; `first_suffix` follows the first. */
static void put_triple(FILE *out, const char *first_suffix, unsigned long a, unsigned long b,
                       unsigned long c)
{
    fprintf(out, "    {%lu%s, %lu, %lu},\n", a, first_suffix, b, c);
}

/* An array of n unsigned values (uint64_t when wide, else uint32_t), 16 to
 * a line or 4 wide ones, and a spare element that keeps it non-empty. */
static void put_array(FILE *out, const char *decl, const void *v, size_t n, int wide)
{
    fprintf(out, "\n%s[%zu] = {", decl, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (i % (wide ? 4 : 16) == 0)
            fputs("\n   ", out);
        if (wide)
            fprintf(out, " 0x%016llxULL,", (unsigned long long)((const uint64_t *)v)[i]);
        else
            fprintf(out, " %lu,", (unsigned long)((const uint32_t *)v)[i]);
    }
    fputs("\n};\n", out);
}

/* The derived tables registry_load_builtin takes instead of building them:
 * what this program's own load of the file worked out. */
static void put_tables(FILE *out, const ps_registry *reg)
{
    ps_reg_tables t;
    registry_tables(reg, &t);
    const size_t slots = (size_t)PS_TRANSPORT_COUNT * 65536u;
    if (t.port_best)
        put_array(out, "static const uint32_t port_best", t.port_best, slots, 0);
    if (t.multi_named)
        put_array(out, "static const uint64_t multi_named", t.multi_named, slots / 64, 1);
    if (t.also_at) {
        fprintf(out, "\nstatic const also_slot also_at[%zu] = {\n", t.nalso_at + 1);
        for (size_t i = 0; i < t.nalso_at; i++)
            put_triple(out, "", t.also_at[i].slot, t.also_at[i].first, t.also_at[i].n);
        fputs("};\n", out);
        put_array(out, "static const uint32_t also_rows", t.also_rows, t.nalso_rows, 0);
    }
    if (t.by_code) {
        fprintf(out, "\nstatic const code_row by_code[%zu] = {\n", t.ncodes + 1);
        for (size_t i = 0; i < t.ncodes; i++)
            put_triple(out, "UL", t.by_code[i].code, t.by_code[i].rank, t.by_code[i].row);
        fputs("};\n", out);
    }
    fprintf(out,
            "\nconst ps_reg_tables registry_builtin_tables = {\n"
            "    .port_best = %s,\n    .multi_named = %s,\n"
            "    .also_at = %s,\n    .nalso_at = %zu,\n"
            "    .also_rows = %s,\n    .nalso_rows = %zu,\n"
            "    .by_code = %s,\n    .ncodes = %zu,\n};\n",
            t.port_best ? "port_best" : "NULL", t.multi_named ? "multi_named" : "NULL",
            t.also_at ? "also_at" : "NULL", t.also_at ? t.nalso_at : 0,
            t.also_at ? "also_rows" : "NULL", t.also_at ? t.nalso_rows : 0,
            t.by_code ? "by_code" : "NULL", t.by_code ? t.ncodes : 0);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void put_data(FILE *out, const ps_registry *reg, const char *in_path)
{
    size_t n = registry_entry_count(reg);
    const char *date = registry_date(reg);
    fputs("/* Generated by ps-regcompile from the registry file named below; not edited by hand. */\n"
          "#include <stddef.h>\n#include <stdint.h>\n\n#include \"registry_impl.h\"\n\n",
          out);
    fputs("const char registry_builtin_source[] = ", out);
    put_c_string(out, base_name(in_path));
    fputs(";\nconst char registry_builtin_date[] = ", out);
    put_c_string(out, date ? date : "");
    fprintf(out, ";\nconst int registry_builtin_format = %d;\n", (int)registry_format(reg));
    fprintf(out, "const size_t registry_builtin_row_count = %zu;\n\n", n);
    /* One spare row keeps the array non-empty when the file has no rows. */
    fprintf(out, "const ps_reg_entry registry_builtin_rows[%zu] = {\n", n + 1);
    for (size_t i = 0; i < n; i++)
        put_row(out, registry_entry(reg, i));
    fputs("    {NULL, \"\", NULL, \"\", 0, 0, 0, 0, 0, 0, 0UL},\n};\n", out);
    put_tables(out, reg);
}

/* Written beside the target and renamed over it, so an interrupted build
 * never leaves a half-written file that looks up to date. */
static int write_atomically(const char *out_path, const ps_registry *reg, const char *in_path)
{
    size_t len = strlen(out_path);
    char *tmp = malloc(len + 32);
    if (!tmp)
        return 0;
    snprintf(tmp, len + 32, "%s.tmp.%ld", out_path, (long)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "ps-regcompile: %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return 0;
    }
    put_data(out, reg, in_path);
    int ok = !ferror(out);
    ok = fclose(out) == 0 && ok;
    if (ok && rename(tmp, out_path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "ps-regcompile: %s: %s\n", out_path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok;
}

/* "same" when IANA's XML beside the CSV carries portsniff's caveat box,
 * "changed" when it does not, "none" when there is no XML. */
static const char *caveat_state(const char *csv_path)
{
    size_t len = strlen(csv_path);
    char *xml = malloc(len + 5);
    if (!xml)
        return "none";
    strcpy(xml, csv_path);
    if (len >= 4 && strcmp(xml + len - 4, ".csv") == 0)
        xml[len - 4] = '\0';
    strcat(xml, ".xml");
    FILE *f = fopen(xml, "rb");
    free(xml);
    if (!f)
        return "none";
    /* The notes come first; the box is well inside the first 64 KiB. */
    static char head[1 << 16];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return strstr(head, registry_caveat_box) ? "same" : "changed";
}

static void put_listed_name(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == '\\')
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

static int list_rows(const ps_registry *reg, const char *in_path)
{
    const char *date = registry_date(reg), *newest = registry_newest_row_date(reg);
    size_t n = registry_entry_count(reg);
    printf("# format=%s rows=%zu date=%s newest-row=%s caveat=%s\n",
           registry_format(reg) == PS_REG_FORMAT_IANA_CSV ? "iana-csv" : "services", n,
           date ? date : "unknown", newest ? newest : "unknown", caveat_state(in_path));
    for (size_t i = 0; i < n; i++) {
        const ps_reg_entry *e = registry_entry(reg, i);
        if (!e->name)
            continue;
        put_listed_name(stdout, e->name);
        if (!e->has_port)
            fputs("\t-", stdout);
        else if (e->port_lo == e->port_hi)
            printf("\t%u", e->port_lo);
        else
            printf("\t%u-%u", e->port_lo, e->port_hi);
        printf("/%s\n", e->transport == PS_TRANSPORT_NONE ? "any" : ps_transport_name(e->transport));
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ps-regcompile: error writing to standard output\n");
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    int list = argc == 3 && strcmp(argv[1], "--list") == 0;
    if (argc != 3) {
        fprintf(stderr, "usage: ps-regcompile IN.csv OUT.c\n"
                        "       ps-regcompile --list IN.csv\n");
        return 2;
    }
    const char *in_path = list ? argv[2] : argv[1];
    char err[512];
    ps_registry *reg = registry_load_file(in_path, err, sizeof err);
    if (!reg) {
        fprintf(stderr, "ps-regcompile: %s\n", err);
        return 1;
    }
    int ok = list ? list_rows(reg, in_path) : write_atomically(argv[2], reg, in_path);
    registry_free(reg);
    return ok ? 0 : 1;
}
