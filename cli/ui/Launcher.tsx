/**
 * `hwnas` with no arguments on a terminal: start a search from a form with sensible defaults (the co-design
 * space on Jetson AGX Orin, loss vs end-to-end latency), or browse the studies of the database and resume,
 * export or report one. The launcher only builds the arguments of the ordinary commands and hands them back:
 * every action runs through the same command code as when typed.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { isPostgresUrl, redactUrl } from '../../search/store/postgres/url.js';
import React, { useRef, useState } from 'react';
import { useTerminalSize } from './LiveApp.js';
import { formatNumber } from './progress.js';
import { ageText } from '../format.js';

/** The storage as shown: a server URL without its password. */
const shownLocation = (location: string) => (isPostgresUrl(location) ? redactUrl(location) : location);

export interface StudyRow {
  readonly name: string;
  readonly status: string;
  readonly evaluations: number;
  readonly failed: number;
  readonly frontierSize: number;
  readonly best: Readonly<Record<string, number>>;
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
  readonly onAction: (action: LauncherAction) => void;
  readonly size?: { readonly columns: number; readonly rows: number };
}

const MENU = [
  { id: 'new', label: 'New search', hint: 'pick space, device, workload, objectives, constraints, strategy, budget' },
  { id: 'studies', label: 'Studies', hint: 'browse; resume, export or report one' },
  { id: 'quit', label: 'Quit', hint: '' },
] as const;

export function Launcher(props: LauncherProps) {
  const { exit } = useApp();
  const size = useTerminalSize(props.size);
  const [screen, setScreen] = useState<'menu' | 'new' | 'studies'>(props.initialScreen ?? 'menu');
  const [menuIndex, setMenuIndex] = useState(0);
  const [fieldIndex, setFieldIndex] = useState(props.fields.length); // the Start button
  const [picks, setPicks] = useState<number[]>(() => props.fields.map((f) => f.initial));
  const [studyIndex, setStudyIndex] = useState(0);

  // Keys read and write the state through a ref: two keys can arrive before React has re-rendered (and before
  // ink has subscribed the re-rendered handler), and each must see the effect of the one before.
  const cur = useRef({ screen, menuIndex, fieldIndex, picks, studyIndex, done: false });
  const set = {
    screen: (v: 'menu' | 'new' | 'studies') => setScreen((cur.current.screen = v)),
    menuIndex: (v: number) => setMenuIndex((cur.current.menuIndex = v)),
    fieldIndex: (v: number) => setFieldIndex((cur.current.fieldIndex = v)),
    picks: (v: number[]) => setPicks((cur.current.picks = v)),
    studyIndex: (v: number) => setStudyIndex((cur.current.studyIndex = v)),
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
      if (key.escape) set.screen('menu');
      else if (key.upArrow) set.fieldIndex((c.fieldIndex + n) % (n + 1));
      else if (key.downArrow || key.tab) set.fieldIndex((c.fieldIndex + 1) % (n + 1));
      else if ((key.leftArrow || key.rightArrow) && c.fieldIndex < n) {
        const k = props.fields[c.fieldIndex].choices.length;
        set.picks(c.picks.map((v, i) => (i === c.fieldIndex ? (v + (key.rightArrow ? 1 : k - 1)) % k : v)));
      } else if (key.return) {
        const values: Record<string, string> = {};
        props.fields.forEach((f, i) => (values[f.key] = f.choices[c.picks[i]]));
        act({ kind: 'search', values });
      }
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
            const hint = f.hints?.[picks[i]];
            return (
              <Text key={f.key} wrap="truncate">
                <Text color={sel ? 'cyan' : undefined}>{sel ? '❯ ' : '  '}</Text>
                <Text>{f.label.padEnd(13)}</Text>
                <Text color={sel ? 'cyan' : 'white'} bold>
                  {sel ? '‹ ' : '  '}
                  {f.choices[picks[i]]}
                  {sel ? ' ›' : ''}
                </Text>
                <Text dimColor>{hint ? `  ${hint}` : ''}</Text>
              </Text>
            );
          })}
          <Text> </Text>
          <Text color={fieldIndex === props.fields.length ? 'green' : undefined} bold={fieldIndex === props.fields.length}>
            {fieldIndex === props.fields.length ? '❯ ' : '  '}[ Start search ]
          </Text>
          <Text> </Text>
          <Text dimColor>↑↓ field · ←→ change · enter start · esc back</Text>
        </>
      )}
      {screen === 'studies' && (
        <>
          <Text bold>Studies</Text>
          {props.studies.length === 0 && <Text dimColor>(no studies yet — start one from New search)</Text>}
          {props.studies.slice(0, Math.max(3, size.rows - 8)).map((s, i) => {
            const sel = i === studyIndex;
            const best = Object.entries(s.best)
              .map(([k, v]) => `${k}=${formatNumber(v)}`)
              .join(' ');
            return (
              <Text key={s.name} wrap="truncate" color={sel ? 'cyan' : undefined} bold={sel}>
                {sel ? '❯ ' : '  '}
                {s.name.padEnd(24)} {s.status.padEnd(22)} {String(s.evaluations).padStart(7)} evaluated · frontier {String(s.frontierSize).padStart(3)} · {best || '—'} · {s.failed} failed · {s.space}/{s.device || '-'}/{s.strategy} · {ageText(Date.now() - s.updatedAt)} ago
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
