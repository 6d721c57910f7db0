import type { ContactEvent } from './catalog.ts';
import {
  SUBOBJECT_EVENT_TYPES,
  type ContactSubObject,
  type ContactSubObjectKind,
} from './contact-events.ts';

/** A sub-object as the contact holds it: what the user gave, plus its id and first insertion. */
export interface StoredSubObject extends ContactSubObject {
  id: string;
  date_insert: string;
}

/** Which remote identity was created on which sub-object. */
export interface IdentityBinding {
  kind: ContactSubObjectKind;
  subobject_id: string;
  remote_identity_id: string;
}

/** A user's contact folded from its events; each list keeps the order of first insertion. */
export interface ContactState {
  contact_id: string;
  user_id: string;
  created_at: string;
  subobjects: Record<ContactSubObjectKind, StoredSubObject[]>;
  bindings: IdentityBinding[];
}

const KIND_OF_TYPE = new Map<string, { kind: ContactSubObjectKind; removed: boolean }>(
  Object.entries(SUBOBJECT_EVENT_TYPES).flatMap(([kind, types]) => [
    [types.set, { kind: kind as ContactSubObjectKind, removed: false }],
    [types.removed, { kind: kind as ContactSubObjectKind, removed: true }],
  ]),
);

/** The sub-object kind that an event type sets or removes, if it is one of those. */
export function subObjectChangeOf(
  type: string,
): { kind: ContactSubObjectKind; removed: boolean } | undefined {
  return KIND_OF_TYPE.get(type);
}

/** Applies one event; events before creation (which the log never holds) are ignored. */
export function evolveContact(
  state: ContactState | undefined,
  event: ContactEvent,
): ContactState | undefined {
  if (event.type === 'ContactCreated') {
    // A creation appended twice keeps the first one.
    if (state) return state;
    return {
      contact_id: event.contact_id,
      user_id: event.user_id,
      created_at: event.occurred_at,
      subobjects: { email: [], im: [], social_identity: [] },
      bindings: [],
    };
  }
  if (!state) return state;
  if (event.type === 'ContactIdentityBound') {
    return { ...state, bindings: [...state.bindings, event.data] };
  }
  const change = subObjectChangeOf(event.type);
  if (!change) return state;
  const list = state.subobjects[change.kind];
  const { subobject_id } = event.data;
  let next: StoredSubObject[];
  if (change.removed) {
    next = list.filter((s) => s.id !== subobject_id);
  } else if ('subobject' in event.data) {
    next = setSubObject(list, subobject_id, event.data.subobject, event.occurred_at);
  } else {
    return state;
  }
  return { ...state, subobjects: { ...state.subobjects, [change.kind]: next } };
}

// A contact has one primary address per kind: naming a new one demotes the one before.
function setSubObject(
  list: StoredSubObject[],
  id: string,
  value: ContactSubObject,
  at: string,
): StoredSubObject[] {
  const existing = list.find((s) => s.id === id);
  const stored: StoredSubObject = { id, ...value, date_insert: existing?.date_insert ?? at };
  const others = value.is_primary ? list.map((s) => ({ ...s, is_primary: false })) : list;
  return existing ? others.map((s) => (s.id === id ? stored : s)) : [...others, stored];
}

export function foldContact(events: Iterable<ContactEvent>): ContactState | undefined {
  let state: ContactState | undefined;
  for (const event of events) state = evolveContact(state, event);
  return state;
}

/** The sub-object of `kind` with `id`, if the contact holds it. */
export function findSubObject(
  state: ContactState,
  kind: ContactSubObjectKind,
  id: string,
): StoredSubObject | undefined {
  return state.subobjects[kind].find((s) => s.id === id);
}
