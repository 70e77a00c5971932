// Shapes repository rows into the response bodies of the article routes.
import type { Block, Step } from '../ingest/model.ts'
import type { ArticleRow, LinkRow, SummaryRow, TranslationRow } from '../db/article-repository.ts'
import { SOURCE_LOCALE } from '../db/article-repository.ts'
import type { LocaleInfo } from '../schemas/common.ts'
import { renderBlocks, type Format } from '../render/formats.ts'

export function translationInfo (t: TranslationRow, all: TranslationRow[]) {
  const source = all.find((x) => x.locale === SOURCE_LOCALE)
  return {
    locale: t.locale,
    title: t.title,
    translationType: t.translation_type,
    handoffDate: t.handoff_date,
    sourceHash: t.source_hash,
    derived: t.derived === 1,
    // Stale only when both hashes are known and differ: a translation of an older English text.
    stale: t.locale !== SOURCE_LOCALE && t.source_hash !== null && source?.source_hash != null && t.source_hash !== source.source_hash,
    updatedAt: t.updated_at
  }
}

export function articleView (a: ArticleRow, scenarioIds: string[], t: TranslationRow, all: TranslationRow[], locale: LocaleInfo, blocks: Block[]) {
  return {
    id: a.id,
    slug: a.slug,
    title: t.title,
    scenarioIds,
    metadata: { audience: a.audience, service: a.service, topic: a.topic, collection: a.collection, priority: a.priority, author: a.author, date: a.ms_date },
    revision: a.revision,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
    translation: translationInfo(t, all),
    locale,
    blocks
  }
}

export function linkView (l: LinkRow) {
  return { href: l.href, text: l.text, title: l.title, kind: l.kind, articleId: l.article_id, context: l.context, blockId: l.block_id, stepId: l.step_id }
}

interface StepView {
  id: string
  position: number
  depth: number
  parentId: string | null
  markdown: string
  text: string
  content?: string
  callouts: Array<{ kind: string, markdown: string, text: string }>
  links: ReturnType<typeof linkView>[]
  steps: StepView[]
}

function calloutsOf (blocks: Block[]): StepView['callouts'] {
  return blocks.flatMap((b) => b.type !== 'callout'
    ? []
    : [{
        kind: b.kind,
        markdown: b.blocks.map((x) => ('markdown' in x ? x.markdown : '')).filter(Boolean).join('\n\n'),
        text: b.blocks.map((x) => ('text' in x ? x.text : '')).filter(Boolean).join(' ')
      }])
}

/** Steps (extractSteps of the served blocks) grouped by the list they come from, each group under its intro, sub-steps nested. */
export function stepGroups (steps: Step[], links: LinkRow[], format?: Format) {
  const linksByStep = new Map<string, ReturnType<typeof linkView>[]>()
  for (const l of links) {
    if (l.step_id === null || l.context !== 'step') continue
    const list = linksByStep.get(l.step_id) ?? []
    list.push(linkView(l))
    linksByStep.set(l.step_id, list)
  }
  const groups: Array<{ id: string, intro: { markdown: string, text: string } | null, steps: StepView[] }> = []
  const byId = new Map<string, StepView>()
  for (const s of steps) {
    const step: StepView = {
      id: s.id,
      position: s.position,
      depth: s.depth,
      parentId: s.parentId,
      markdown: s.markdown,
      text: s.text,
      ...(format ? { content: renderBlocks(s.blocks.filter((b) => b.type !== 'list'), format) } : {}),
      callouts: calloutsOf(s.blocks),
      links: linksByStep.get(s.id) ?? [],
      steps: []
    }
    byId.set(s.id, step)
    const parent = s.parentId === null ? undefined : byId.get(s.parentId)
    if (parent) { parent.steps.push(step); continue }
    let group = groups.at(-1)
    if (group?.id !== s.groupId) {
      group = { id: s.groupId, intro: s.intro === null ? null : { markdown: s.intro.markdown, text: s.intro.text }, steps: [] }
      groups.push(group)
    }
    group.steps.push(step)
  }
  return groups
}

/** The steps as one document: each group's intro, then its list (sub-steps nested). */
export function renderSteps (blocks: Block[], groupIds: string[], format: Format): string {
  const wanted = new Set(groupIds)
  const picked: Block[] = []
  const walk = (list: Block[]): void => {
    list.forEach((b, i) => {
      if (b.type === 'list' && wanted.has(b.id)) {
        const before = list[i - 1]
        if (before?.type === 'paragraph') picked.push(before)
        picked.push(b)
      } else if (b.type === 'callout') walk(b.blocks)
    })
  }
  walk(blocks)
  return renderBlocks(picked, format)
}

/** The served locale for one list item: the page's locale if the article has it, else its language, en-US, any. */
export function serveLocaleFor (wanted: string, locales: string[]): string {
  if (locales.includes(wanted)) return wanted
  const language = wanted.split('-')[0]!.toLowerCase()
  return locales.find((l) => l.split('-')[0]!.toLowerCase() === language) ?? (locales.includes(SOURCE_LOCALE) ? SOURCE_LOCALE : locales[0] ?? wanted)
}

/** One article of a list: its title in the page's locale, or the best fallback it has. */
export function summaryView (r: SummaryRow, wanted: string, titleOf: (id: string, locale: string) => string | undefined) {
  const locales = r.locales ? r.locales.split(',') : []
  const served = serveLocaleFor(wanted, locales)
  return { id: r.id, slug: r.slug, title: titleOf(r.id, served) ?? '', locale: served, scenarioIds: r.scenarios ? r.scenarios.split(',') : [], locales, updatedAt: r.updated_at }
}
