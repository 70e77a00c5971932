// Links: relative targets resolved against the docs base, then classified by where they point.
import type { LinkKind } from './model.ts'
import { articleIdOf } from './article-id.ts'

export const DEFAULT_DOCS_BASE = 'https://learn.microsoft.com'

const DOCS_HOSTS = new Set(['docs.microsoft.com', 'learn.microsoft.com', 'technet.microsoft.com', 'msdn.microsoft.com'])
const SUPPORT_HOSTS = new Set(['support.microsoft.com', 'support.office.com', 'answers.microsoft.com', 'support.office365.com'])
const SHORT_HOSTS = new Set(['aka.ms', 'go.microsoft.com', 'akams.microsoft.com'])

/** Schemes that run code or carry a document of their own where a reader expects a page. */
const UNSAFE_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'file:', 'blob:'])

export interface ResolvedLink {
  href: string
  kind: LinkKind
  targetArticleId: string | null
}

/** The KB's own articles live under `/alchemyinsights/<name>` on the docs site, or as `*.md` siblings. */
function kbArticleOf (url: URL, docsHost: string): string | null {
  if (!DOCS_HOSTS.has(url.hostname) && url.hostname !== docsHost) return null
  const parts = url.pathname.split('/').filter(Boolean)
  const at = parts.findIndex((p) => p.toLowerCase() === 'alchemyinsights')
  if (at === -1 || at === parts.length - 1) return null
  return articleIdOf(decodeURIComponent(parts.slice(at + 1).join('__')))
}

export function resolveLink (raw: string, docsBase: string = DEFAULT_DOCS_BASE): ResolvedLink {
  const target = raw.trim()
  const base = new URL(docsBase)
  // A sibling Markdown file is another article of this KB.
  if (/^[^:/?#]+\.md(#.*)?$/i.test(target) || /^\.{1,2}\/.*\.md(#.*)?$/i.test(target)) {
    const file = target.replace(/#.*$/, '')
    const id = articleIdOf(decodeURIComponentSafe(file))
    return { href: new URL(`/alchemyinsights/${id}`, base).href, kind: 'article', targetArticleId: id }
  }
  let url: URL
  try {
    url = new URL(target, base)
  } catch {
    return { href: target, kind: 'external', targetArticleId: null }
  }
  // An integrator must not render these as links: `unsafe` says so (the href is kept as written).
  if (UNSAFE_SCHEMES.has(url.protocol)) return { href: target, kind: 'unsafe', targetArticleId: null }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { href: target, kind: 'external', targetArticleId: null }
  }
  const href = url.href
  const articleId = kbArticleOf(url, base.hostname)
  if (articleId) return { href, kind: 'article', targetArticleId: articleId }
  const host = url.hostname.toLowerCase()
  if (SHORT_HOSTS.has(host)) return { href, kind: 'short', targetArticleId: null }
  if (DOCS_HOSTS.has(host) || host === base.hostname) return { href, kind: 'docs', targetArticleId: null }
  if (SUPPORT_HOSTS.has(host)) return { href, kind: 'support', targetArticleId: null }
  return { href, kind: 'external', targetArticleId: null }
}

function decodeURIComponentSafe (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
