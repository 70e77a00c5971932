// Microsoft Docs (DocFX) Markdown extensions, rewritten into the CommonMark they stand for before
// the Markdown is parsed. Without this, micromark reads them as text: `::: zone-end` glued to the
// step above it, `[!INCLUDE[…](…)]` as a paragraph and a link to an article that is no article,
// `> [!div class="nextstepaction"]` as a quotation. Line for line, so parse errors keep their
// line numbers; fenced code is left as it is.

const FENCE = /^ {0,3}(`{3,}|~{3,})/
/** `:::image type="content" source="…" alt-text="…":::` (the end `:::` may be on a later line). */
const IMAGE = /^\s*:::\s*image\s+(.*?)\s*(:::)?\s*$/i
/** Every other `:::` line: zones, monikers, rows, columns, the end of a complex image. */
const DIRECTIVE = /^\s*:::(?:\s*[a-z].*)?\s*$/i
/** A whole line that pulls in another file (`[!INCLUDE[…](…)]`, `[!code-csharp[…](…)]`): nothing to show without it. */
const INCLUDE = /^\s*\[!(?:include|code(?:-[\w#+-]+)?)\s*\[[^\]]*\]\([^)]*\)\]\s*$/i
/** `> [!div class="…"]`: the quotation only carries a style (a "next step" button); its lines are content. */
const DIV = /^\s*>\s*\[!div(?:\s[^\]]*)?\]\s*$/i
/** `> [!VIDEO https://…]`: the video's address, as a link. */
const VIDEO = /^\s*>?\s*\[!video\s+\(?(https?:\/\/[^\s)\]]+)\)?\s*\]\s*$/i
const ATTRIBUTE = /([\w-]+)\s*=\s*"([^"]*)"/g

export function rewriteDocfx (text: string): string {
  if (!text.includes(':::') && !/\[!(?:include|code|div|video)/i.test(text)) return text
  const lines = text.split('\n')
  let fence: string | null = null
  let unquote = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const opens = FENCE.exec(line)
    if (fence !== null) {
      if (opens && opens[1]![0] === fence[0] && opens[1]!.length >= fence.length) fence = null
      continue
    }
    if (opens) {
      fence = opens[1]!
      unquote = false
      continue
    }
    if (unquote) {
      if (/^\s*>/.test(line)) {
        lines[i] = line.replace(/^\s*> ?/, '')
        continue
      }
      unquote = false
    }
    const image = IMAGE.exec(line)
    if (image) {
      const attributes = new Map([...image[1]!.matchAll(ATTRIBUTE)].map((m) => [m[1]!.toLowerCase(), m[2]!]))
      const source = attributes.get('source')
      lines[i] = source ? `![${escapeBrackets(attributes.get('alt-text') ?? '')}](<${source.replace(/[<>]/g, '')}>)` : ''
    } else if (DIRECTIVE.test(line)) {
      // A comment, not a blank line: it ends a list, so the steps of two zones stay two lists
      lines[i] = '<!-- -->'
    } else if (INCLUDE.test(line)) {
      lines[i] = ''
    } else if (DIV.test(line)) {
      lines[i] = ''
      unquote = true
    } else {
      const video = VIDEO.exec(line)
      if (video) lines[i] = `<${video[1]!}>`
    }
  }
  return lines.join('\n')
}

function escapeBrackets (text: string): string {
  return text.replace(/[[\]\\]/g, '\\$&')
}
