// Claude writes Markdown; Telegram renders a small HTML subset. Convert the common parts (code, bold,
// italic, links) and escape everything else. If Telegram still rejects it, the channel resends plain text.

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function markdownToTelegramHtml(markdown: string): string {
  const blocks = markdown.split(/```/);
  return blocks
    .map((block, index) => {
      if (index % 2 === 1) {
        // A fenced code block: drop the language tag line.
        const code = block.replace(/^[\w+-]*\n/, '');
        return `<pre>${escapeHtml(code.replace(/\n$/, ''))}</pre>`;
      }
      return inline(block);
    })
    .join('');
}

function inline(text: string): string {
  const codes: string[] = [];
  let out = escapeHtml(text).replace(/`([^`\n]+)`/g, (_, code: string) => {
    codes.push(code);
    return `\u0000${codes.length - 1}\u0000`;
  });
  out = out
    .replace(/^#{1,6}\s+(.+)$/gm, '<b>$1</b>')
    .replace(/\*\*([^*\n]+)\*\*/g, '<b>$1</b>')
    .replace(/__([^_\n]+)__/g, '<b>$1</b>')
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, '$1<i>$2</i>')
    .replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, '$1<i>$2</i>')
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>');
  // NUL marks a code span's placeholder: escaped text can never contain it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the placeholder is a NUL on purpose
  return out.replace(/\u0000(\d+)\u0000/g, (_, index: string) => `<code>${codes[Number(index)]}</code>`);
}
