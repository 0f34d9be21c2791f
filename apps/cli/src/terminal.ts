/**
 * Everything the CLI writes to the terminal goes through here, because much
 * of it comes from the server (messages, room names, error messages), and
 * any member could otherwise send escape sequences to another member's
 * terminal: clear the screen, set the window title, write the clipboard
 * (OSC 52), or reorder what is shown with bidi controls.
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls (U+0080–U+009F: a
 * terminal reads U+009B as CSI), and Unicode's Bidi_Control characters
 * (embeddings, overrides, isolates and the three marks).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Bidi_Control}]/gu;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/**
 * `text` with every unsafe character shown as a visible escape: C0 as
 * `\x1b`, the rest as `\u009b` / `\u202e`. The `\u` form is also a valid
 * JSON escape of the same character, so a `--json` line stays JSON that
 * parses to the exact text (JSON.stringify already escapes C0).
 */
export function safe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const n = c.codePointAt(0) ?? 0;
    return n < 0x20 ? `\\x${hex(n, 2)}` : `\\u${hex(n, 4)}`;
  });
}

/** Writes one line, made safe, to stdout or stderr. */
export function writeLine(stream: NodeJS.WriteStream, line: string): void {
  stream.write(`${safe(line)}\n`);
}
