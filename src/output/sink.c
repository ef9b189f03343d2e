/* Flow sinks: a format bound to an output; the formats --flows knows. */
#include <stdlib.h>
#include <strings.h>

#include "portsniff/output.h"

extern const ps_flow_sink_ops ps_text_sink, ps_csv_sink, ps_json_sink, ps_zeek_sink;

const ps_flow_sink_ops *const ps_flow_sink_formats[] = {
    &ps_text_sink, &ps_csv_sink, &ps_json_sink, &ps_zeek_sink, NULL,
};

const ps_flow_sink_ops *flow_sink_find(const char *name)
{
    for (size_t i = 0; name && ps_flow_sink_formats[i]; i++)
        if (strcasecmp(ps_flow_sink_formats[i]->name, name) == 0)
            return ps_flow_sink_formats[i];
    return NULL;
}

ps_flow_sink *flow_sink_create(const ps_flow_sink_ops *ops, ps_outfile *out, unsigned flags)
{
    ps_flow_sink *s = calloc(1, sizeof(*s) + ops->state_size);
    if (!s)
        return NULL;
    s->ops = ops;
    s->out = out;
    s->fields = ps_flow_fields;
    s->nfields = PS_F_COUNT;
    s->flags = flags;
    s->state = s + 1;
    return s;
}

int flow_sink_begin(ps_flow_sink *s)
{
    if (s->ops->begin && s->ops->begin(s) != 0)
        return -1;
    return outfile_failed(s->out) ? -1 : 0;
}

void flow_sink_write(ps_flow_sink *s, const ps_flow *flow, const ps_label *label,
                     const ps_tunnel_chain *tunnel)
{
    ps_flow_rec r = {flow, label, s->community_id_seed, tunnel};
    s->ops->write(s, &r);
    s->records++;
    if (s->flags & PS_SINK_LINE_FLUSH)
        outfile_flush(s->out);
}

int flow_sink_flush(ps_flow_sink *s)
{
    return outfile_flush(s->out);
}

int flow_sink_end(ps_flow_sink *s)
{
    if (s->ops->end && s->ops->end(s) != 0)
        return -1;
    return outfile_flush(s->out);
}

int flow_sink_switch(ps_flow_sink *s, ps_outfile *out)
{
    int rc = flow_sink_end(s);
    s->out = out;
    if (flow_sink_begin(s) != 0)
        rc = -1;
    return rc;
}

void flow_sink_free(ps_flow_sink *s)
{
    if (!s)
        return;
    if (s->ops->fini)
        s->ops->fini(s);
    free(s);
}
