#ifndef QUILL_CLIBEDIT_SHIM_H
#define QUILL_CLIBEDIT_SHIM_H

/* libedit's native API (el_gets, history) for the Quill REPL. el_set, el_get and history()
   are C variadic functions, which Swift cannot call: each use gets a fixed-argument inline
   wrapper here, compiled by clang when the module is imported. */

#include <stdio.h>
#include <histedit.h>

typedef char *(*quill_el_prompt_fn)(EditLine *);
typedef unsigned char (*quill_el_command_fn)(EditLine *, int);

static inline int quill_el_set_prompt(EditLine *el, quill_el_prompt_fn fn) { return el_set(el, EL_PROMPT, fn); }
static inline int quill_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int quill_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int quill_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *quill_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int quill_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int quill_el_addfn(EditLine *el, const char *name, const char *help, quill_el_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int quill_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, NULL);
}
static inline int quill_history_setsize(History *h, int n) { HistEvent ev; return history(h, &ev, H_SETSIZE, n); }
static inline int quill_history_setunique(History *h, int on) { HistEvent ev; return history(h, &ev, H_SETUNIQUE, on); }
static inline int quill_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }
static inline int quill_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
static inline int quill_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }

#endif
