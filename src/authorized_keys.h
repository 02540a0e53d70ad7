/* ~/.ssh/authorized_keys: parse the public keys a pod receives in its
 * environment (PUBLIC_KEY on RunPod, SSH_PUBLIC_KEY on vast.ai), validate
 * them as sshd(8) would read them, and add the missing ones to the file's
 * text. Memory only: no file or process I/O here.
 *
 * Must never: change or drop a byte of the existing text (only a missing
 * final newline is added), append anything but complete, valid, single-line
 * public keys, add a key that is already there, or quote a whole key in a
 * message. */
#ifndef PODPASS_AUTHORIZED_KEYS_H
#define PODPASS_AUTHORIZED_KEYS_H

#include <stddef.h>

/* The longest key line accepted, in bytes. */
#define AUTHORIZED_KEYS_LINE_MAX 16384

/* Parse the keys given in one environment value: one or more lines (LF or
 * CRLF); blank lines and '#' comment lines are skipped; NULL, "" and the
 * literal "null" (RunPod's way of saying none; surrounding whitespace
 * allowed) mean no keys. Each line should be a public key
 * "[options] TYPE BASE64 [comment]" as sshd(8) AUTHORIZED_KEYS FILE FORMAT
 * describes; several keys pasted on one line ("TYPE BASE64 [comment] TYPE
 * BASE64 ...": a known TYPE followed by data valid for it) are each taken.
 * *keys gets a malloc'd array of malloc'd lines (*n of them, each the key
 * as given minus trailing whitespace and CR; NULL when none; free with
 * strv_free). A line that is not a key is skipped, as sshd skips it: *skipped
 * gets one message per such line (*nskipped of them), naming source_name,
 * the 1-based line number and the reason (at most the first 20 characters of
 * the line are quoted). */
void authorized_keys_parse_env(const char *value, const char *source_name,
    char ***keys, size_t *n, char ***skipped, size_t *nskipped);

/* 1 when line (no line ending; leading and trailing blanks allowed) is a
 * valid public key line, else 0 with *why (when not NULL) set to a short
 * static reason. */
int authorized_keys_line_valid(const char *line, const char **why);

/* New authorized_keys text: text (len bytes; NULL or empty is fine; kept
 * byte for byte, a missing final newline is added before appending) plus
 * every key in keys that is not already there, each followed by "\n".
 * "Already there" compares the key TYPE and BASE64 blob only (options and
 * comment ignored), against every valid key line of text and the keys
 * appended before it. *added is the number appended. Returns 0 and a
 * malloc'd *out (*outlen bytes, NUL-terminated; a copy of text when nothing
 * is added), or EX_DATAERR with *cause when one of keys is not a valid key
 * line (then *out is NULL). */
int authorized_keys_merge(const char *text, size_t len, char *const *keys,
    size_t n, char **out, size_t *outlen, size_t *added, char **cause);

#endif
