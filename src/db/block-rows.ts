// The block tree ⇄ the rows of the blocks table: pre-order, list items as rows of type `item`.
import type { Block } from '../ingest/model.ts'

export interface BlockRow { block_id: string, parent_id: string | null, type: string, data: string }

/** Rows for the blocks table: the tree in pre-order, list items as rows of type `item`. */
export function flattenBlocks (blocks: Block[]): Array<{ id: string, parent: string | null, type: string, data: string }> {
  const rows: Array<{ id: string, parent: string | null, type: string, data: string }> = []
  const walk = (list: Block[], parent: string | null): void => {
    for (const block of list) {
      if (block.type === 'list') {
        const { items, ...own } = block
        rows.push({ id: block.id, parent, type: block.type, data: JSON.stringify(own) })
        for (const item of items) {
          rows.push({ id: item.id, parent: block.id, type: 'item', data: JSON.stringify({ id: item.id }) })
          walk(item.blocks, item.id)
        }
      } else if (block.type === 'callout') {
        const { blocks: children, ...own } = block
        rows.push({ id: block.id, parent, type: block.type, data: JSON.stringify(own) })
        walk(children, block.id)
      } else {
        rows.push({ id: block.id, parent, type: block.type, data: JSON.stringify(block) })
      }
    }
  }
  walk(blocks, null)
  return rows
}

/** The block tree back from the flattened rows of the blocks table (see flattenBlocks). */
export function blockTree (rows: BlockRow[]): Block[] {
  const top: Block[] = []
  const byId = new Map<string, { blocks?: Block[], items?: Array<{ id: string, blocks: Block[] }> }>()
  for (const row of rows) {
    const data = JSON.parse(row.data) as Record<string, unknown>
    const node: Record<string, unknown> = row.type === 'list'
      ? { ...data, items: [] }
      : row.type === 'item' || row.type === 'callout' ? { ...data, blocks: [] } : data
    byId.set(row.block_id, node)
    const parent = row.parent_id === null ? null : byId.get(row.parent_id)
    if (parent === null) top.push(node as unknown as Block)
    else if (row.type === 'item') parent?.items?.push(node as { id: string, blocks: Block[] })
    else parent?.blocks?.push(node as unknown as Block)
  }
  return top
}
