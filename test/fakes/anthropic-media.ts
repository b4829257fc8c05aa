// What the Messages API checks in image and document blocks, and in server tools, before a model sees them:
// base64 that decodes, a media type the API supports and that the bytes really are (a JPEG's magic bytes for
// image/jpeg, %PDF- for application/pdf), the 5 MB image limit, and known server-tool types. Answered with
// the API's error wording so an agent's bug shows as the 400 it would get in production.
import type { ContentBlock, MessagesRequest } from './anthropic-types.ts';

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const IMAGE_MAX_BASE64 = 5 * 1024 * 1024;
const SERVER_TOOL_TYPES = new Set([
  'web_search_20250305',
  'web_search_20260209',
  'web_search_20260318',
  'web_fetch_20250910',
  'web_fetch_20260209',
  'web_fetch_20260309',
  'web_fetch_20260318',
]);

function magicMatches(mediaType: string, bytes: Buffer): boolean {
  const ascii = (from: number, to: number) => bytes.subarray(from, to).toString('latin1');
  switch (mediaType) {
    case 'image/jpeg':
      return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    case 'image/png':
      return ascii(1, 4) === 'PNG' && bytes[0] === 0x89;
    case 'image/gif':
      return ascii(0, 4) === 'GIF8';
    case 'image/webp':
      return ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP';
    case 'application/pdf':
      return ascii(0, 5) === '%PDF-';
    default:
      return false;
  }
}

function decodeBase64(data: unknown): Buffer | undefined {
  if (typeof data !== 'string' || data.length === 0 || data.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return undefined;
  return Buffer.from(data, 'base64');
}

/** The error for one image or document block, or undefined when the API would take it. */
export function mediaBlockError(block: ContentBlock, where: string): string | undefined {
  const source = block.source as Record<string, unknown> | undefined;
  if (!source || typeof source !== 'object') return `${where}.source: Field required`;
  if (block.type === 'image') {
    if (source.type === 'url')
      return typeof source.url === 'string' ? undefined : `${where}.source.url: Field required`;
    if (source.type !== 'base64') return `${where}.source.type: Input should be 'base64', 'url' or 'file'`;
    const mediaType = String(source.media_type);
    if (!IMAGE_TYPES.has(mediaType)) {
      return `${where}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
    }
    if (typeof source.data === 'string' && source.data.length > IMAGE_MAX_BASE64) {
      return `${where}.source.base64: image exceeds 5 MB maximum: ${source.data.length} bytes > ${IMAGE_MAX_BASE64} bytes`;
    }
    const bytes = decodeBase64(source.data);
    if (!bytes) return `${where}.source.base64.data: invalid base64 data`;
    if (!magicMatches(mediaType, bytes)) {
      return `${where}.source.base64.data: Image does not match the provided media type ${mediaType}`;
    }
    return undefined;
  }
  if (source.type === 'text') {
    if (source.media_type !== 'text/plain') return `${where}.source.media_type: Input should be 'text/plain'`;
    return typeof source.data === 'string' && source.data !== ''
      ? undefined
      : `${where}.source.data: Field required`;
  }
  if (source.type !== 'base64')
    return `${where}.source.type: Input should be 'base64', 'text', 'content', 'url' or 'file'`;
  if (source.media_type !== 'application/pdf')
    return `${where}.source.media_type: Input should be 'application/pdf'`;
  const bytes = decodeBase64(source.data);
  if (!bytes) return `${where}.source.base64.data: invalid base64 data`;
  if (!magicMatches('application/pdf', bytes))
    return `${where}.source.base64.data: The PDF specified was not valid.`;
  return undefined;
}

/** Server tools must be of a type the API knows; client tools need a name and an input schema. */
export function toolsError(tools: MessagesRequest['tools']): string | undefined {
  for (const [index, tool] of (tools ?? []).entries()) {
    if (typeof tool.type === 'string' && tool.type !== 'custom') {
      if (!SERVER_TOOL_TYPES.has(tool.type)) return `tools.${index}.type: unknown tool type ${tool.type}`;
      if (tool.name !== String(tool.type).replace(/_\d+$/, ''))
        return `tools.${index}.name: must be ${String(tool.type).replace(/_\d+$/, '')}`;
      continue;
    }
    if (typeof tool.name !== 'string' || !tool.input_schema)
      return `tools.${index}: name and input_schema are required`;
  }
  return undefined;
}

/** The server tools a request offered, by name (`web_search`, `web_fetch`). */
export function offeredServerTools(request: MessagesRequest): Set<string> {
  return new Set(
    (request.tools ?? [])
      .filter((tool) => typeof tool.type === 'string' && SERVER_TOOL_TYPES.has(tool.type))
      .map((tool) => String(tool.name)),
  );
}

/** Every image and document block of the request's user messages (what a test checks reached the model). */
export function mediaBlocks(request: MessagesRequest): ContentBlock[] {
  return request.messages.flatMap((message) =>
    typeof message.content === 'string'
      ? []
      : message.content.flatMap((block) => {
          if (block.type === 'image' || block.type === 'document') return [block];
          if (block.type === 'tool_result' && Array.isArray(block.content)) {
            return (block.content as ContentBlock[]).filter(
              (b) => b.type === 'image' || b.type === 'document',
            );
          }
          return [];
        }),
  );
}
