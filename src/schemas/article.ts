// Article, block, step, link and translation schemas: the content resources of /v1.
import { Type, type Static } from 'typebox'
import { LocaleInfoRef } from './common.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const RichTextFields = {
  markdown: Type.String({ description: 'The text as Markdown' }),
  text: Type.String({ description: 'The text as plain text' })
}
export const RichTextSchema = Type.Object(RichTextFields)

/** The block tree is recursive: it is a shared schema that refers to itself by $id. */
export const BlockSchema = Type.Union([
  Type.Object({ type: Type.Literal('heading'), id: Type.String(), level: Type.Integer(), anchor: Nullable(Type.String()), ...RichTextFields }),
  Type.Object({ type: Type.Literal('paragraph'), id: Type.String(), ...RichTextFields }),
  Type.Object({
    type: Type.Literal('callout'),
    id: Type.String(),
    kind: Type.Union([Type.Literal('note'), Type.Literal('tip'), Type.Literal('important'), Type.Literal('warning'), Type.Literal('caution'), Type.Literal('quote')]),
    blocks: Type.Array(Type.Ref('Block'))
  }),
  Type.Object({
    type: Type.Literal('list'),
    id: Type.String(),
    ordered: Type.Boolean(),
    start: Nullable(Type.Integer()),
    related: Type.Boolean({ description: 'Every item is only a link: related links, not steps' }),
    items: Type.Array(Type.Object({ id: Type.String(), blocks: Type.Array(Type.Ref('Block')) }))
  }),
  Type.Object({
    type: Type.Literal('table'),
    id: Type.String(),
    align: Type.Array(Nullable(Type.String())),
    header: Type.Array(RichTextSchema),
    rows: Type.Array(Type.Array(RichTextSchema))
  }),
  Type.Object({ type: Type.Literal('code'), id: Type.String(), lang: Nullable(Type.String()), value: Type.String() }),
  Type.Object({ type: Type.Literal('image'), id: Type.String(), src: Type.String(), alt: Type.String(), title: Nullable(Type.String()) })
], { $id: 'Block', title: 'Block', description: 'A content block; callouts and list items hold blocks of their own' })

export const TranslationInfoSchema = Type.Object({
  locale: Type.String(),
  title: Type.String(),
  translationType: Type.Union([Type.Literal('human'), Type.Literal('machine'), Type.Literal('source')]),
  handoffDate: Nullable(Type.String({ format: 'date' })),
  sourceHash: Nullable(Type.String({ description: 'Hash of the English source revision (ms.openlocfilehash)' })),
  derived: Type.Boolean({ description: 'Taken from one side of a side-by-side file' }),
  stale: Type.Boolean({ description: 'Its source hash differs from the current en-US source' }),
  updatedAt: Type.String({ format: 'date-time' })
}, { $id: 'TranslationInfo', title: 'TranslationInfo' })
export type TranslationInfo = Static<typeof TranslationInfoSchema>

export const ArticleMetaSchema = Type.Object({
  audience: Nullable(Type.String()),
  service: Nullable(Type.String()),
  topic: Nullable(Type.String()),
  collection: Nullable(Type.String()),
  priority: Nullable(Type.String()),
  author: Nullable(Type.String()),
  date: Nullable(Type.String({ description: 'ms.date, as YYYY-MM-DD' }))
})

export const ArticleSummarySchema = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  title: Type.String({ description: 'In the served locale' }),
  locale: Type.String({ description: 'The locale the title is in' }),
  scenarioIds: Type.Array(Type.String()),
  locales: Type.Array(Type.String(), { description: 'Locales the article is available in' }),
  updatedAt: Type.String({ format: 'date-time' })
}, { $id: 'ArticleSummary', title: 'ArticleSummary' })
export type ArticleSummary = Static<typeof ArticleSummarySchema>

export const FormatQuery = Type.Optional(Type.Union([Type.Literal('markdown'), Type.Literal('html'), Type.Literal('text')], {
  description: 'Adds `rendered`: the resource as Markdown, sanitized self-contained HTML, or plain text ready for a ticket (numbered steps, links as `text (url)`, callouts marked)'
}))

const Rendered = Type.Optional(Type.Object({
  format: Type.Union([Type.Literal('markdown'), Type.Literal('html'), Type.Literal('text')]),
  content: Type.String()
}, { description: 'Present with ?format=' }))

export const ArticleSchema = Type.Object({
  id: Type.String(),
  slug: Type.String({ description: 'The H1 anchor; not unique across articles' }),
  title: Type.String(),
  scenarioIds: Type.Array(Type.String()),
  metadata: ArticleMetaSchema,
  revision: Type.Integer({ description: 'Bumped on every change of the article' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  translation: Type.Ref('TranslationInfo'),
  locale: LocaleInfoRef,
  blocks: Type.Array(Type.Ref('Block')),
  rendered: Rendered
}, { description: 'The article in the served locale' })

export const LinkSchema = Type.Object({
  href: Type.String({ description: 'Absolute URL' }),
  text: Type.String(),
  title: Nullable(Type.String()),
  kind: Type.Union([Type.Literal('article'), Type.Literal('docs'), Type.Literal('support'), Type.Literal('short'), Type.Literal('external'), Type.Literal('unsafe')], {
    description: 'Where the link points: another article of this KB, the docs site, the support site, a short link, elsewhere, or `unsafe` (a javascript:, vbscript:, data:, file: or blob: URL: never render it as a link)'
  }),
  articleId: Nullable(Type.String({ description: 'For links to another article of this KB that is present' })),
  context: Type.Union([Type.Literal('step'), Type.Literal('related'), Type.Literal('block')]),
  blockId: Type.String(),
  stepId: Nullable(Type.String())
}, { $id: 'Link', title: 'Link' })

export const CalloutSchema = Type.Object({
  kind: Type.String(),
  ...RichTextFields
})

export const StepSchema = Type.Object({
  id: Type.String({ description: 'Stable across locales and re-imports of unchanged content' }),
  position: Type.Integer({ description: '1-based order in the article' }),
  depth: Type.Integer({ description: '0 for a top-level step' }),
  parentId: Nullable(Type.String()),
  ...RichTextFields,
  content: Type.Optional(Type.String({ description: 'With ?format=: the step (without its sub-steps) in that format' })),
  callouts: Type.Array(CalloutSchema),
  links: Type.Array(Type.Ref('Link')),
  steps: Type.Array(Type.Ref('Step'), { description: 'Sub-steps' })
}, { $id: 'Step', title: 'Step' })

export const StepGroupSchema = Type.Object({
  id: Type.String({ description: 'Id of the list the steps come from' }),
  intro: Nullable(RichTextSchema),
  steps: Type.Array(Type.Ref('Step'))
})

export const StepsResponseSchema = Type.Object({
  articleId: Type.String(),
  title: Type.String(),
  locale: LocaleInfoRef,
  count: Type.Integer({ description: 'Number of steps, sub-steps included' }),
  groups: Type.Array(StepGroupSchema),
  rendered: Rendered
}, { description: 'The steps, grouped under their intro' })

export const LinksResponseSchema = Type.Object({
  articleId: Type.String(),
  locale: LocaleInfoRef,
  links: Type.Array(Type.Ref('Link')),
  rendered: Rendered
}, { description: 'Every link of the article' })

export const TranslationsResponseSchema = Type.Object({
  articleId: Type.String(),
  sourceLocale: Type.String(),
  translations: Type.Array(Type.Ref('TranslationInfo'))
}, { description: 'The translations of the article' })

export const ArticleListSchema = Type.Object({
  items: Type.Array(Type.Ref('ArticleSummary')),
  next: Nullable(Type.String({ description: 'Cursor of the next page, null on the last' })),
  locale: LocaleInfoRef
}, { description: 'A page of articles' })

export const WriteResultSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged'), Type.Literal('superseded')], { description: 'superseded: a side-by-side text of the same source revision already gives this locale' }),
  revision: Type.Integer({ description: 'The article revision after the write; If-Match accepts "r<revision>"' }),
  locales: Type.Array(Type.String())
}, { $id: 'WriteResult', title: 'WriteResult', description: 'What the write did' })

export const articleSchemas = [WriteResultSchema, BlockSchema, TranslationInfoSchema, ArticleSummarySchema, LinkSchema, StepSchema]
