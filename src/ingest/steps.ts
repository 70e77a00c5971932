// Steps: every list item of a non-related list, in document order, with its intro and nesting.
import type { Block, ListBlock, RichText, Step } from './model.ts'

/** A step id is its list item's block path (`b3.2` → `s3.2`): equal across locales of one structure. */
export const stepIdOf = (itemId: string): string => `s${itemId.slice(1)}`

function introOf (previous: Block | undefined): RichText | null {
  if (previous?.type === 'paragraph') return { markdown: previous.markdown, text: previous.text }
  return null
}

function leadText (blocks: Block[]): RichText {
  const first = blocks[0]
  if (first?.type === 'paragraph' || first?.type === 'heading') return { markdown: first.markdown, text: first.text }
  return { markdown: '', text: '' }
}

export function extractSteps (blocks: Block[]): Step[] {
  const steps: Step[] = []
  const walkList = (list: ListBlock, intro: RichText | null, groupId: string, depth: number, parentId: string | null): void => {
    for (const item of list.items) {
      const id = stepIdOf(item.id)
      steps.push({ id, position: steps.length + 1, depth, parentId, groupId, intro, blocks: item.blocks, ...leadText(item.blocks) })
      walkBlocks(item.blocks, groupId, depth + 1, id)
    }
  }
  const walkBlocks = (list: Block[], groupId: string | null, depth: number, parentId: string | null): void => {
    list.forEach((block, i) => {
      if (block.type === 'list' && !block.related) walkList(block, introOf(list[i - 1]), groupId ?? block.id, depth, parentId)
      else if (block.type === 'callout') walkBlocks(block.blocks, groupId, depth, parentId)
    })
  }
  walkBlocks(blocks, null, 0, null)
  return steps
}

/** Ids of all list items that are steps, to attach links to the innermost one. */
export function stepOfBlock (steps: Step[]): (blockId: string) => string | null {
  const byItem = new Map(steps.map((s) => [`b${s.id.slice(1)}`, s.id]))
  return (blockId) => {
    let at = blockId
    while (at.includes('.')) {
      at = at.slice(0, at.lastIndexOf('.'))
      const step = byItem.get(at)
      if (step) return step
    }
    return null
  }
}

/** Ids of the items of related (links-only) lists. */
export function relatedItems (blocks: Block[]): Set<string> {
  const ids = new Set<string>()
  const walk = (list: Block[]): void => {
    for (const b of list) {
      if (b.type === 'list') {
        for (const item of b.items) {
          if (b.related) ids.add(item.id)
          walk(item.blocks)
        }
      } else if (b.type === 'callout') walk(b.blocks)
    }
  }
  walk(blocks)
  return ids
}
