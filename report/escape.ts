// Escaping for the three markup formats. Every piece of text a renderer puts into markup goes through one of these.

// Characters XML 1.0 forbids even when escaped (control characters other than tab, LF, CR; lone surrogates;
// U+FFFE/U+FFFF). A terminal escape in a command's output would otherwise make junit.xml unreadable.
const XML_INVALID =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function replaceEntities(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Text content or attribute value of an XML document (attributes keep their line breaks as &#10;). */
export function escapeXml(text: string, inAttribute = false): string {
  const escaped = replaceEntities(text.replace(XML_INVALID, '\uFFFD'));
  return inAttribute ? escaped.replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : escaped;
}

/** Text content or a quoted attribute value of an HTML document. */
export function escapeHtml(text: string): string {
  return replaceEntities(text.replace(XML_INVALID, '\uFFFD'));
}

/** One Markdown table cell: no pipes, no raw HTML, line breaks as <br>. */
export function markdownCell(text: string): string {
  return markdownText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** Inline Markdown text outside tables: HTML and the characters that start emphasis or links are escaped. */
export function markdownText(text: string): string {
  return escapeHtml(text).replace(/([\\`*_[\]])/g, '\\$1');
}

/** A fenced code block whose fence is longer than any backtick run in the text, so the text cannot close it. */
export function markdownFence(text: string, info = 'text'): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text.replace(XML_INVALID, '\uFFFD')}\n${fence}`;
}
