/**
 * `hwnas` with no arguments on a terminal: start a search from a form with sensible defaults (the co-design
 * space on Jetson AGX Orin, loss vs end-to-end latency), or browse the studies of the database and resume,
 * export or report one. The launcher only builds the arguments of the ordinary commands and hands them back:
 * every action runs through the same command code as when typed.
 *
 * Form fields cycle through presets with ←→; fields marked editable (budget, constraint, device, seed) also take
 * a typed value: start typing, enter keeps it, esc drops it. The form is checked on every change (`validate`):
 * a combination the search would refuse (fbnet with a loss objective) is shown at once and cannot be started,
 * and what was entered stays.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { isPostgresUrl, redactUrl } from '../../search/store/postgres/url.js';
import React, { useRef, useState } from 'react';
import { useTerminalSize } from './LiveApp.js';
import { ageText } from '../format.js';

/** The storage as shown: a server URL without its password. */
const shownLocation = (location: string) => (isPostgresUrl(location) ? redactUrl(location) : location);

export interface StudyRow {
  readonly name: string;
  readonly status: string;
  readonly evaluations: number;
  readonly failed: number;
  readonly frontierSize: number;
  /** What `hwnas studies` shows as the best at each objective. */
  readonly best: string;
  readonly space: string;
  readonly device: string;
  readonly strategy: string;
  readonly updatedAt: number;
}

export interface FormField {
  readonly key: string;
  readonly label: string;
  readonly choices: readonly string[];
  /** What each choice means, shown next to the selected one. */
  readonly hints?: readonly string[];
  readonly initial: number;
  /** Takes a typed value besides its presets; `placeholder` says what to type. */
  readonly editable?: boolean;
  readonly placeholder?: string;
}

/** What the user chose; the caller runs it and comes back. */
export type LauncherAction =
  | { readonly kind: 'search'; readonly values: Readonly<Record<string, string>> }
  | { readonly kind: 'resume'; readonly study: string }
  | { readonly kind: 'export'; readonly study: string }
  | { readonly kind: 'report'; readonly study: string }
  | { readonly kind: 'quit' };

export interface LauncherProps {
  readonly fields: readonly FormField[];
  readonly studies: readonly StudyRow[];
  readonly dbPath: string;
  readonly message?: string;
  readonly initialScreen?: 'menu' | 'new' | 'studies';
  /** The study to select in the list (the one the last action was on). */
  readonly initialStudy?: string;
  /** The form's values as last entered (a search that was refused comes back with them). */
  readonly initialValues?: Readonly<Record<string, string>>;
  /** Why these values cannot be searched, or null: checked on every change, and before Start. */
  readonly validate?: (values: Readonly<Record<string, string>>) => string | null;
  readonly onAction: (action: LauncherAction) => void;
  readonly size?: { readonly columns: number; readonly rows: number };
}

const MENU = [
  { id: 'new', label: 'New search', hint: 'pick space, device, workload, objectives, constraints, strategy, budget' },
  { id: 'studies', label: 'Studies', hint: 'browse; resume, export or report one' },
  { id: 'quit', label: 'Quit', hint: '' },
] as const;

type Screen = 'menu' | 'new' | 'studies';

function valuesOf(fields: readonly FormField[], values: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((f, i) => [f.key, values[i]]));
}

export function Launcher(props: LauncherProps) {
  const { exit } = useApp();
  const size = useTerminalSize(props.size);
  const startValues = () => props.fields.map((f) => props.initialValues?.[f.key] ?? f.choices[f.initial]);
  const startStudy = Math.max(0, props.studies.findIndex((s) => s.name === props.initialStudy));
  const [screen, setScreen] = useState<Screen>(props.initialScreen ?? 'menu');
  const [menuIndex, setMenuIndex] = useState(0);
  const [fieldIndex, setFieldIndex] = useState(props.fields.length); // the Start button
  const [values, setValues] = useState<string[]>(startValues);
  const [studyIndex, setStudyIndex] = useState(startStudy);
  /** The text being typed into the selected field, or null when not editing. */
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(() => props.validate?.(valuesOf(props.fields, startValues())) ?? null);

  // Keys read and write the state through a ref: two keys can arrive before React has re-rendered (and before
  // ink has subscribed the re-rendered handler), and each must see the effect of the one before.
  const cur = useRef({ screen, menuIndex, fieldIndex, values, studyIndex, draft, problem, done: false });
  const set = {
    screen: (v: Screen) => setScreen((cur.current.screen = v)),
    menuIndex: (v: number) => setMenuIndex((cur.current.menuIndex = v)),
    fieldIndex: (v: number) => setFieldIndex((cur.current.fieldIndex = v)),
    values: (v: string[]) => {
      setValues((cur.current.values = v));
      setProblem((cur.current.problem = props.validate?.(valuesOf(props.fields, v)) ?? null));
    },
    studyIndex: (v: number) => setStudyIndex((cur.current.studyIndex = v)),
    draft: (v: string | null) => setDraft((cur.current.draft = v)),
  };
  const act = (action: LauncherAction) => {
    if (cur.current.done) return;
    cur.current.done = true;
    props.onAction(action);
    exit();
  };

  useInput((input, key) => {
    const c = cur.current;
    if (c.done) return;
    if (c.screen === 'menu') {
      if (key.upArrow) set.menuIndex((c.menuIndex + MENU.length - 1) % MENU.length);
      else if (key.downArrow) set.menuIndex((c.menuIndex + 1) % MENU.length);
      else if (input === 'q' || key.escape) act({ kind: 'quit' });
      else if (input === 'n') set.screen('new');
      else if (input === 's') set.screen('studies');
      else if (key.return) {
        const id = MENU[c.menuIndex].id;
        if (id === 'quit') act({ kind: 'quit' });
        else set.screen(id);
      }
      return;
    }
    if (c.screen === 'new') {
      const n = props.fields.length;
      const field = c.fieldIndex < n ? props.fields[c.fieldIndex] : undefined;
      if (c.draft !== null) {
        // Typing into a field: enter keeps the text, esc drops it, backspace deletes.
        if (key.return) {
          const text = c.draft.trim();
          set.draft(null);
          if (text !== '') set.values(c.values.map((v, i) => (i === c.fieldIndex ? text : v)));
        } else if (key.escape) set.draft(null);
        else if (key.backspace || key.delete) set.draft(c.draft.slice(0, -1));
        else if (input && !key.ctrl && !key.meta && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && !key.tab) set.draft(c.draft + input);
        return;
      }
      if (key.escape) set.screen('menu');
      else if (key.upArrow) set.fieldIndex((c.fieldIndex + n) % (n + 1));
      else if (key.downArrow || key.tab) set.fieldIndex((c.fieldIndex + 1) % (n + 1));
      else if ((key.leftArrow || key.rightArrow) && field) {
        const k = field.choices.length;
        const at = field.choices.indexOf(c.values[c.fieldIndex]);
        const next = at < 0 ? 0 : (at + (key.rightArrow ? 1 : k - 1)) % k;
        set.values(c.values.map((v, i) => (i === c.fieldIndex ? field.choices[next] : v)));
      } else if (key.return) {
        if (c.problem) return; // refused: the reason is on screen, the values stay
        act({ kind: 'search', values: valuesOf(props.fields, c.values) });
      } else if (field?.editable && input && !key.ctrl && !key.meta && input !== ' ') set.draft(input);
      return;
    }
    // studies
    const n = props.studies.length;
    if (key.escape || input === 'b') set.screen('menu');
    else if (input === 'q') act({ kind: 'quit' });
    else if (n === 0) return;
    else if (key.upArrow) set.studyIndex((c.studyIndex + n - 1) % n);
    else if (key.downArrow) set.studyIndex((c.studyIndex + 1) % n);
    else if (input === 'r' || key.return) act({ kind: 'resume', study: props.studies[c.studyIndex].name });
    else if (input === 'e') act({ kind: 'export', study: props.studies[c.studyIndex].name });
    else if (input === 'h') act({ kind: 'report', study: props.studies[c.studyIndex].name });
  });

  const width = Math.max(40, size.columns);
  // The studies shown: a window around the selected one when the list is longer than the screen.
  const visible = Math.max(3, size.rows - 8);
  const first = Math.min(Math.max(0, studyIndex - visible + 1), Math.max(0, props.studies.length - visible));
  return (
    <Box flexDirection="column" width={width}>
      <Text>
        <Text bold color="cyan">
          hwnas
        </Text>{' '}
        — hardware-aware neural architecture search · database <Text bold>{shownLocation(props.dbPath)}</Text>
      </Text>
      {props.message && (
        <Text color="yellow" wrap="truncate-end">
          {props.message}
        </Text>
      )}
      <Text> </Text>
      {screen === 'menu' &&
        MENU.map((m, i) => (
          <Text key={m.id} wrap="truncate">
            <Text color={i === menuIndex ? 'cyan' : undefined} bold={i === menuIndex}>
              {i === menuIndex ? '❯ ' : '  '}
              {m.label}
            </Text>
            <Text dimColor>{m.hint ? `  ${m.hint}` : ''}</Text>
          </Text>
        ))}
      {screen === 'new' && (
        <>
          <Text bold>New search</Text>
          {props.fields.map((f, i) => {
            const sel = i === fieldIndex;
            const editing = sel && draft !== null;
            const at = f.choices.indexOf(values[i]);
            const hint = editing ? `typing — enter keeps it, esc drops it${f.placeholder ? ` (${f.placeholder})` : ''}` : at >= 0 ? f.hints?.[at] : 'typed';
            return (
              <Text key={f.key} wrap="truncate">
                <Text color={sel ? 'cyan' : undefined}>{sel ? '❯ ' : '  '}</Text>
                <Text>{f.label.padEnd(13)}</Text>
                <Text color={sel ? 'cyan' : 'white'} bold>
                  {editing ? `✎ ${draft}▏` : `${sel ? '‹ ' : '  '}${values[i]}${sel ? ' ›' : ''}`}
                </Text>
                <Text dimColor>{hint ? `  ${hint}` : sel && f.editable ? '  (type a value)' : ''}</Text>
              </Text>
            );
          })}
          <Text> </Text>
          <Text color={problem ? 'red' : fieldIndex === props.fields.length ? 'green' : undefined} bold={fieldIndex === props.fields.length}>
            {fieldIndex === props.fields.length ? '❯ ' : '  '}[ Start search ]{problem ? `  cannot start: ${problem}` : ''}
          </Text>
          <Text> </Text>
          <Text dimColor>↑↓ field · ←→ change · type a budget, constraint, device file or seed · enter start · esc back</Text>
        </>
      )}
      {screen === 'studies' && (
        <>
          <Text bold>Studies</Text>
          {props.studies.length === 0 && <Text dimColor>(no studies yet — start one from New search)</Text>}
          {props.studies.slice(first, first + visible).map((s, k) => {
            const i = first + k;
            const sel = i === studyIndex;
            return (
              <Text key={s.name} wrap="truncate" color={sel ? 'cyan' : undefined} bold={sel}>
                {sel ? '❯ ' : '  '}
                {s.name.padEnd(24)} {s.status.padEnd(22)} {String(s.evaluations).padStart(7)} evaluated · frontier {String(s.frontierSize).padStart(3)} · {s.best || '—'} · {s.failed} failed · {s.space}/{s.device || '-'}/{s.strategy} · {ageText(Date.now() - s.updatedAt)} ago
              </Text>
            );
          })}
          <Text> </Text>
          <Text dimColor>↑↓ select · r/enter resume · e export (JSON + Hugging Face) · h HTML report · b back · q quit</Text>
        </>
      )}
      {screen === 'menu' && (
        <>
          <Text> </Text>
          <Text dimColor>↑↓ move · enter choose · n new search · s studies · q quit</Text>
        </>
      )}
    </Box>
  );
}
