import type { ObjectStore } from './object-store.js'

/** An ObjectStore that can say whether the server honours If-None-Match (S3ObjectStore can). */
interface ProbingStore extends ObjectStore {
  supportsConditionalWrites(): Promise<boolean>
}

const conditionalSupport = new WeakMap<ObjectStore, Promise<boolean>>()

/** Whether `putIfAbsent` really is conditional on this store; probed once per store. */
export function supportsConditionalWrites(store: ObjectStore): Promise<boolean> {
  let known = conditionalSupport.get(store)
  if (known === undefined) {
    const probing = store as Partial<ProbingStore>
    known = typeof probing.supportsConditionalWrites === 'function' ? probing.supportsConditionalWrites.call(store) : Promise.resolve(true)
    // A failed probe is not remembered: the next lock asks again.
    known.catch(() => conditionalSupport.delete(store))
    conditionalSupport.set(store, known)
  }
  return known
}
