import { describe, expect, it } from 'vitest'
import { mapInOrder } from '../../assets/lib/map-in-order.js'

describe('mapInOrder', () => {
  it('starts the heaviest items first and returns the results in item order', async () => {
    const started: string[] = []
    const sizes: Record<string, number> = { customers: 5, statements: 4, channel_events: 7, trades: 1, tickets: 0, marketing: 2 }
    const results = await mapInOrder(
      Object.keys(sizes),
      2,
      async (name, index) => {
        started.push(name)
        await new Promise((resolve) => setTimeout(resolve, 1))
        return `${index}:${name}`
      },
      (name) => sizes[name] as number,
    )
    expect(started).toEqual(['channel_events', 'customers', 'statements', 'marketing', 'trades', 'tickets'])
    expect(results).toEqual(['0:customers', '1:statements', '2:channel_events', '3:trades', '4:tickets', '5:marketing'])
  })

  it('keeps item order among equal weights, and without weights', async () => {
    const started: number[] = []
    await mapInOrder([3, 1, 2], 1, async (item) => void started.push(item), () => 0)
    await mapInOrder([3, 1, 2], 1, async (item) => void started.push(item))
    expect(started).toEqual([3, 1, 2, 3, 1, 2])
  })

  it('throws the error of the first failing item in item order, after every item settled', async () => {
    const settled: number[] = []
    const run = mapInOrder(
      [0, 1, 2],
      3,
      async (item) => {
        // The last item fails first in time; the item-order first failure is item 1.
        await new Promise((resolve) => setTimeout(resolve, 10 - item * 4))
        settled.push(item)
        if (item >= 1) throw new Error(`item ${item}`)
        return item
      },
      (item) => item,
    )
    await expect(run).rejects.toThrow('item 1')
    expect(settled.sort()).toEqual([0, 1, 2])
  })
})
