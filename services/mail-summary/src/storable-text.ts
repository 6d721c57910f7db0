const LINE_BREAKS = /[\t\r\n]+/g;
const CONTROL_CHARACTERS = /\p{Cc}/gu;
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A header value as a summary carries it: consumers store summaries in PostgreSQL, which
 * refuses NUL and lone surrogates in text and jsonb, and log them, where control characters
 * only confuse. Folding whitespace becomes a space; other controls and broken surrogates
 * become U+FFFD, which says that something was there. Cut to `max` UTF-16 units.
 */
export function storableText(value: string, max: number): string {
  let text = value.replace(LINE_BREAKS, ' ').replace(CONTROL_CHARACTERS, '\uFFFD');
  if (text.length > max) text = text.slice(0, max);
  // A cut may split a surrogate pair; so may the sender.
  return text.replace(LONE_SURROGATES, '\uFFFD');
}
