// Renders blocks and steps as Markdown, sanitized self-contained HTML, or ticket-ready plain text.
import { gfm } from 'micromark-extension-gfm'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { toHast } from 'mdast-util-to-hast'
import { sanitize, defaultSchema, type Schema } from 'hast-util-sanitize'
import { toHtml } from 'hast-util-to-html'
import type { Nodes, Parent, PhrasingContent } from 'mdast'
import type { Block } from '../ingest/model.ts'

export const FORMATS = ['markdown', 'html', 'text'] as const
export type Format = typeof FORMATS[number]

const CALLOUT_LABEL: Record<string, string> = { note: 'Note', tip: 'Tip', important: 'Important', warning: 'Warning', caution: 'Caution', quote: 'Quote' }

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!))

/** What rendered HTML may hold: GitHub's sanitize schema, links to http(s)/mailto only, images only self-contained or https. */
const SCHEMA: Schema = {
  ...defaultSchema,
  clobberPrefix: '',
  protocols: { href: ['http', 'https', 'mailto'], src: ['https', 'data'] }
}

const markdownExtensions = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }

/** Raw HTML in the Markdown is dropped (a `<br>` becomes a line break); images that are not self-contained become their alt text. */
function tidy (node: Parent): void {
  node.children = node.children.flatMap((child): Nodes[] => {
    if (child.type === 'html') return /^<br\s*\/?>$/i.test(child.value.trim()) ? [{ type: 'break' }] : []
    if (child.type === 'image' && !safeImage(child.url)) return child.alt ? [{ type: 'text', value: child.alt }] : []
    if ('children' in child) tidy(child)
    return [child]
  }) as typeof node.children
}

/**
 * Markdown → sanitized HTML: parsed to a syntax tree, raw HTML removed, then passed through
 * hast-util-sanitize, so no script, event handler attribute or javascript: URL comes through.
 */
export function inlineHtml (markdown: string): string {
  const tree = fromMarkdown(markdown, markdownExtensions)
  tidy(tree)
  // A single paragraph's <p> wrapper is dropped: the caller decides the element.
  const only = tree.children.length === 1 && tree.children[0]!.type === 'paragraph' ? tree.children[0]!.children as PhrasingContent[] : null
  const hast = toHast(only ? { type: 'paragraph', children: only } : tree)
  const clean = sanitize(only && hast.type === 'element' ? { type: 'root', children: hast.children } : hast, SCHEMA)
  return toHtml(clean)
}

/** Inline Markdown → plain text with every link written `text (url)`. */
export function ticketText (markdown: string): string {
  const tree = fromMarkdown(markdown)
  const out: string[] = []
  const walk = (node: Nodes): void => {
    if (node.type === 'link') {
      const text = collectText(node)
      out.push(text && text !== node.url ? `${text} (${node.url})` : node.url)
      return
    }
    if (node.type === 'text' || node.type === 'inlineCode') { out.push(node.value); return }
    if (node.type === 'break') { out.push(' '); return }
    if (node.type === 'image') { out.push(node.alt ?? ''); return }
    if (node.type === 'html') return
    if ('children' in node) {
      for (const c of node.children) walk(c as Nodes)
      if (node.type === 'paragraph') out.push('\n')
    }
  }
  walk(tree)
  return out.join('').replace(/[ \t]*\n[ \t]*/g, ' ').replace(/\s+/g, ' ').trim()
}

function collectText (node: Nodes): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value
  if ('children' in node) return (node.children as Nodes[]).map(collectText).join('')
  return ''
}

function safeImage (src: string): boolean {
  return /^https:\/\//i.test(src) || /^data:image\/(png|gif|jpe?g|webp);base64,[a-z0-9+/=\s]+$/i.test(src)
}

export function blocksToHtml (blocks: Block[]): string {
  return blocks.map((b): string => {
    switch (b.type) {
      case 'heading': return `<h${Math.min(b.level, 6)}>${inlineHtml(b.markdown)}</h${Math.min(b.level, 6)}>`
      case 'paragraph': return `<p>${inlineHtml(b.markdown)}</p>`
      case 'callout': return `<aside class="callout callout-${b.kind}"><p><strong>${CALLOUT_LABEL[b.kind]}</strong></p>${blocksToHtml(b.blocks)}</aside>`
      case 'list': {
        const tag = b.ordered ? 'ol' : 'ul'
        const start = b.ordered && b.start !== null && b.start !== 1 ? ` start="${b.start}"` : ''
        return `<${tag}${start}>${b.items.map((i) => `<li>${blocksToHtml(i.blocks)}</li>`).join('')}</${tag}>`
      }
      case 'table': {
        const head = `<thead><tr>${b.header.map((c) => `<th>${inlineHtml(c.markdown)}</th>`).join('')}</tr></thead>`
        const body = `<tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${inlineHtml(c.markdown)}</td>`).join('')}</tr>`).join('')}</tbody>`
        return `<table>${head}${body}</table>`
      }
      case 'code': return `<pre><code${b.lang ? ` class="language-${escapeHtml(b.lang)}"` : ''}>${escapeHtml(b.value)}</code></pre>`
      case 'image': return safeImage(b.src) ? `<img src="${escapeHtml(b.src)}" alt="${escapeHtml(b.alt)}">` : (b.alt ? `<p>[${escapeHtml(b.alt)}]</p>` : '')
      default: return ''
    }
  }).join('\n')
}

export function blocksToMarkdown (blocks: Block[], indent = ''): string {
  return blocks.map((b): string => {
    switch (b.type) {
      case 'heading': return `${indent}${'#'.repeat(b.level)} ${b.markdown}`
      case 'paragraph': return `${indent}${b.markdown}`
      case 'callout': return `${indent}> [!${b.kind.toUpperCase()}]\n` + blocksToMarkdown(b.blocks).split('\n').map((l) => `${indent}> ${l}`.trimEnd()).join('\n')
      case 'list': return b.items.map((item, i) => {
        const marker = b.ordered ? `${(b.start ?? 1) + i}. ` : '- '
        const body = blocksToMarkdown(item.blocks, ' '.repeat(marker.length)).trimStart()
        return `${indent}${marker}${body}`
      }).join('\n')
      case 'table': {
        const row = (cells: Array<{ markdown: string }>): string => `| ${cells.map((c) => c.markdown.replace(/\|/g, '\\|')).join(' | ')} |`
        return [row(b.header), `|${b.header.map(() => ' --- ').join('|')}|`, ...b.rows.map(row)].map((l) => indent + l).join('\n')
      }
      case 'code': return `${indent}\`\`\`${b.lang ?? ''}\n${b.value}\n\`\`\``
      case 'image': return `${indent}![${b.alt}](${b.src})`
      default: return ''
    }
  }).join('\n\n')
}

export function blocksToText (blocks: Block[], indent = ''): string {
  return blocks.map((b): string => {
    switch (b.type) {
      case 'heading': return `${indent}${ticketText(b.markdown).toUpperCase()}`
      case 'paragraph': return `${indent}${ticketText(b.markdown)}`
      case 'callout': return `${indent}[${CALLOUT_LABEL[b.kind]!.toUpperCase()}] ${blocksToText(b.blocks).trim()}`
      case 'list': return b.items.map((item, i) => {
        const marker = b.ordered || !b.related ? `${(b.start ?? 1) + i}. ` : '- '
        return `${indent}${marker}${blocksToText(item.blocks, ' '.repeat(indent.length + marker.length)).trimStart()}`
      }).join('\n')
      case 'table': return [b.header, ...b.rows].map((r) => indent + r.map((c) => ticketText(c.markdown)).join(' | ')).join('\n')
      case 'code': return b.value.split('\n').map((l) => `${indent}    ${l}`).join('\n')
      case 'image': return b.alt ? `${indent}[image: ${b.alt}]` : ''
      default: return ''
    }
  }).filter((s) => s !== '').join('\n\n')
}

export function renderBlocks (blocks: Block[], format: Format): string {
  if (format === 'html') return blocksToHtml(blocks)
  if (format === 'text') return blocksToText(blocks)
  return blocksToMarkdown(blocks)
}

/** An article as one document: its title, then its blocks. */
export function renderArticle (title: string, blocks: Block[], format: Format): string {
  if (format === 'html') return `<article><h1>${escapeHtml(title)}</h1>\n${blocksToHtml(blocks)}</article>`
  if (format === 'text') return `${title}\n\n${blocksToText(blocks)}`
  return `# ${title}\n\n${blocksToMarkdown(blocks)}`
}

/** Links as a list: `- [text](url)`, `<ul>` of anchors, or `text (url)` lines. */
export function renderLinks (links: Array<{ href: string, text: string }>, format: Format): string {
  if (format === 'html') {
    return `<ul>${links.map((l) => /^(https?:|mailto:)/i.test(l.href)
      ? `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text || l.href)}</a></li>`
      : `<li>${escapeHtml(l.text || l.href)}</li>`).join('')}</ul>`
  }
  if (format === 'text') return links.map((l) => (l.text && l.text !== l.href ? `${l.text} (${l.href})` : l.href)).join('\n')
  return links.map((l) => `- [${l.text.replace(/[[\]]/g, '\\$&')}](${l.href})`).join('\n')
}
