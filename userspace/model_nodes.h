/* SPDX-License-Identifier: GPL-2.0 */
/* exitless model --nodes: the multi-node table (model_nodes.c). */
#ifndef XL_USERSPACE_MODEL_NODES_H
#define XL_USERSPACE_MODEL_NODES_H

#include <stdbool.h>
#include <json-c/json.h>
#include "xl_types.h"

/* The top object of `exitless model --json` (origin, source) ... */
json_object *xl_model_json_top(const char *source);
/* ... and its rows, printed and freed (cmd_model.c). */
void xl_model_json_put(json_object *top, json_object *rows);

/* Prints the table (or JSON); returns an enum xl_exit. */
int xl_model_nodes_table(u32 nodes, double link_us, u32 count, bool json);

#endif /* XL_USERSPACE_MODEL_NODES_H */
