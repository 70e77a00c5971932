// The article model produced by the parser: what one Markdown file says, before any database.

export type CalloutKind = 'note' | 'tip' | 'important' | 'warning' | 'caution' | 'quote'

/** Inline rich text kept in two renderings: normalized Markdown and plain text. */
export interface RichText {
  markdown: string
  text: string
}

export interface HeadingBlock extends RichText {
  type: 'heading'
  id: string
  level: number
  anchor: string | null
}

export interface ParagraphBlock extends RichText {
  type: 'paragraph'
  id: string
}

export interface CalloutBlock {
  type: 'callout'
  id: string
  kind: CalloutKind
  blocks: Block[]
}

export interface ListItem {
  id: string
  blocks: Block[]
}

export interface ListBlock {
  type: 'list'
  id: string
  ordered: boolean
  start: number | null
  /** Every item is only a link: a "see also" list, not steps. */
  related: boolean
  items: ListItem[]
}

export interface TableBlock {
  type: 'table'
  id: string
  align: Array<'left' | 'right' | 'center' | null>
  header: RichText[]
  rows: RichText[][]
}

export interface CodeBlock {
  type: 'code'
  id: string
  lang: string | null
  value: string
}

export interface ImageBlock {
  type: 'image'
  id: string
  src: string
  alt: string
  title: string | null
}

export type Block = HeadingBlock | ParagraphBlock | CalloutBlock | ListBlock | TableBlock | CodeBlock | ImageBlock

export type LinkKind = 'article' | 'docs' | 'support' | 'short' | 'external' | 'unsafe'

export interface Link {
  href: string
  text: string
  title: string | null
  kind: LinkKind
  /** For kind 'article': the id the target article has (or will have) in this KB. */
  targetArticleId: string | null
  blockId: string
  stepId: string | null
  /** 'step', 'related' (a links-only list) or 'block'. */
  context: 'step' | 'related' | 'block'
}

export interface Step extends RichText {
  id: string
  /** 1-based order of the step in the whole article. */
  position: number
  /** 0 for a top-level step, 1 for its sub-steps, ... */
  depth: number
  parentId: string | null
  /** Id of the top-level list the step belongs to: the step group. */
  groupId: string
  /** The paragraph that leads the step's list, if any. */
  intro: RichText | null
  /** Every block of the list item, sub-lists included. */
  blocks: Block[]
}

export interface Segment {
  id: string
  source: string
  localized: string
}

export type TranslationType = 'human' | 'machine' | 'source'

export interface Translation {
  locale: string
  title: string
  translationType: TranslationType
  handoffDate: string | null
  sourceHash: string | null
  /** True when the text was taken from one side of a side-by-side file. */
  derived: boolean
  blocks: Block[]
  steps: Step[]
  links: Link[]
  segments: Segment[]
}

export interface ArticleMeta {
  audience: string | null
  service: string | null
  topic: string | null
  collection: string | null
  priority: string | null
  author: string | null
  manager: string | null
  date: string | null
}

export interface ParsedArticle {
  id: string
  slug: string
  scenarioIds: string[]
  meta: ArticleMeta
  /** 'side-by-side' yields two translations, 'plain' one. */
  form: 'side-by-side' | 'plain'
  /** The locale the file itself is in (its localized side for side-by-side). */
  locale: string
  translations: Translation[]
}
