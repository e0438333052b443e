// Wrappers for the curses macros and globals that Swift cannot import directly.
#ifndef HUBTOP_CURSES_SHIM_H
#define HUBTOP_CURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <sys/ioctl.h>
#include <unistd.h>

int wcwidth(wchar_t c);

static inline WINDOW *hubtop_stdscr(void) { return stdscr; }

/// Starts curses for `term` (NULL: $TERM) on stdout/stdin; returns 0 when the terminal type is
/// unknown, instead of exiting as initscr() would.
static inline int hubtop_start(const char *term) {
    SCREEN *screen = newterm(term, stdout, stdin);
    if (screen == NULL) return 0;
    set_term(screen);
    return 1;
}
static inline int hubtop_lines(void) { return LINES; }
static inline int hubtop_cols(void) { return COLS; }
static inline int hubtop_colors(void) { return COLORS; }
static inline int hubtop_color_pairs(void) { return COLOR_PAIRS; }

static inline attr_t hubtop_a_normal(void) { return A_NORMAL; }
static inline attr_t hubtop_a_bold(void) { return A_BOLD; }
static inline attr_t hubtop_a_dim(void) { return A_DIM; }
static inline attr_t hubtop_a_underline(void) { return A_UNDERLINE; }
static inline attr_t hubtop_a_reverse(void) { return A_REVERSE; }

static inline mmask_t hubtop_mouse_mask_all(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
static inline int hubtop_button1(mmask_t m) { return (m & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0; }
static inline int hubtop_wheel_up(mmask_t m) { return (m & BUTTON4_PRESSED) != 0; }
static inline int hubtop_wheel_down(mmask_t m) { return (m & BUTTON5_PRESSED) != 0; }

/// Draws one cell: a wide-character string (one grapheme) with attributes and a colour pair.
static inline int hubtop_put_cell(int y, int x, const wchar_t *text, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}

/// Reads the terminal's size from the kernel and tells curses, which then reports KEY_RESIZE.
/// Returns 0 when the size cannot be read.
static inline int hubtop_sync_window_size(void) {
    struct winsize size;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return 0;
    resizeterm(size.ws_row, size.ws_col);
    return 1;
}

#endif
