/* libFuzzer target for podpass.conf: the input is the text of the file,
 * read with inih through options_parse_ini_text as options_read_file reads
 * it (a file holding a NUL byte is refused before, so such inputs are
 * skipped). Besides "no crash, no leak", it aborts when a call returns
 * something but 0 or EX_CONFIG, when *cause does not match the code or does
 * not start with "PATH:", or when an accepted file leaves a value that the
 * same key would refuse in PODPASS_* (a user that fails user_name_check, a
 * relative sshd_config or sshd path, a min_length out of range, an unknown
 * method), or sets something no key sets. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "hash.h"
#include "log.h"
#include "options.h"
#include "shadow.h"
#include "util.h"

#define CONF_PATH "/etc/podpass.conf"

/* Abort with the failed property's name; libFuzzer saves the input. */
#define PROPERTY(cond) do { \
	if (!(cond)) \
		fatal("property failed at %s:%d: %s", __FILE__, __LINE__, #cond); \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every value a successful read left is one the keys accept. */
static void check_values(const struct options *o)
{
	const char *prefix;

	PROPERTY(o->user == NULL || user_name_check(o->user, NULL) == 0);
	PROPERTY(o->sshd_config == NULL || o->sshd_config[0] == '/');
	PROPERTY(o->sshd_path == NULL || o->sshd_path[0] == '/');
	PROPERTY(o->method == NULL || hash_method_prefix(o->method, &prefix, NULL) == 0);
	PROPERTY(o->min_length == -1 || (o->min_length >= 1 && o->min_length <= 4096));
	PROPERTY(o->mode == MODE_UNSET || o->mode == MODE_EITHER || o->mode == MODE_BOTH);
	PROPERTY(o->restart >= RESTART_UNSET && o->restart <= RESTART_NONE);
	PROPERTY(o->import_keys >= -1 && o->import_keys <= 1);
	/* what no key of the file sets */
	PROPERTY(o->command == CMD_NONE && o->source == PW_UNSET);
	PROPERTY(o->password_file == NULL && o->root == NULL && o->config_file == NULL);
	PROPERTY(o->encrypted == -1 && o->dry_run == -1 && o->verbosity == -1);
	PROPERTY(o->lock_password == -1 && o->json == -1);
}

/* Feed the input as the text of /etc/podpass.conf. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options file, merged;
	char *text, *cause = NULL;
	int rc;

	if (memchr(data, '\0', size) != NULL)
		return 0;
	log_set_level(LOG_LEVEL_ERROR);
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	options_init(&file);
	rc = options_parse_ini_text(text, CONF_PATH, &file, &cause);
	PROPERTY((rc == 0 && cause == NULL) || (rc == EX_CONFIG && cause != NULL &&
	    strncmp(cause, CONF_PATH ":", strlen(CONF_PATH ":")) == 0));
	if (rc == 0) {
		check_values(&file);
		/* the layers above it take it as they take any other */
		options_init(&merged);
		options_merge(&merged, &file);
		options_fill_defaults(&merged);
		check_values(&file);
		PROPERTY(merged.user != NULL && merged.mode != MODE_UNSET);
		options_free(&merged);
	}
	options_free(&file);
	free(cause);
	free(text);
	return 0;
}
