/* The commands main.c dispatches to. Each returns 0 or a sysexits.h code,
 * having printed its own error messages. */
#ifndef PODPASS_COMMANDS_H
#define PODPASS_COMMANDS_H

#include "options.h"

int cmd_enable(const struct options *o);
int cmd_disable(const struct options *o);
int cmd_status(const struct options *o);

#endif
