/**
 * Pieces of Chinese text that jieba segments independently. jieba splits its input at every
 * character outside its "Han block" class (CJK ideographs, ASCII letters and digits, `+#&._%-`),
 * so a piece may end after any such character; here a piece ends after one of
 * `，。；：、！？（）“”《》【】` or a line end (a `\r` before it stays in the piece: jieba keeps "\r\n"
 * together). Both taggers keep the words of pieces that recur (template lines and fields).
 */

/** Longest piece kept in a table of pieces (longer ones are segmented, not remembered). */
export const MAX_KEPT_PIECE = 200;
/** Most pieces kept; a full table is emptied and refilled. */
export const MAX_PIECES = 50_000;

/** 1 for a code unit after which a piece ends. */
const PIECE_END = new Uint8Array(65536);
for (const c of '\n，。；：、！？（）“”《》【】') PIECE_END[c.charCodeAt(0)] = 1;

/** True for a code unit after which jieba's segmentation starts afresh (see the module comment). */
export function endsPiece(c: number): boolean {
  return PIECE_END[c] === 1;
}

/** Splits `text` into pieces that jieba segments independently (see the module comment). */
export function splitZhPieces(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (endsPiece(text.charCodeAt(i))) {
      out.push(text.slice(from, i + 1));
      from = i + 1;
    }
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}
