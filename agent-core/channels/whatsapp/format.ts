// Claude writes Markdown; WhatsApp has its own light markup (*bold*, _italic_, ~strike~, ```mono```).
// Convert the common parts; anything else is plain text, which WhatsApp shows as is.

export function markdownToWhatsApp(markdown: string): string {
  return markdown
    .split(/(```[\s\S]*?```)/)
    .map((block) => (block.startsWith('```') ? codeBlock(block) : inline(block)))
    .join('');
}

function codeBlock(block: string): string {
  // WhatsApp ignores a language tag and would show it: drop it.
  return block.replace(/^```[\w+-]*\n/, '```');
}

function inline(text: string): string {
  return text
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*')
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '_$1_')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '$1 ($2)')
    .replace(/^(\s*)[-*]\s+/gm, '$1• ');
}
