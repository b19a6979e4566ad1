/** The live study view bound to a StudyControl: keys, terminal size, re-render on progress. */
import { useApp, useInput, useStdout } from 'ink';
import React, { useEffect, useState, useSyncExternalStore } from 'react';
import type { Objective } from '../../core/objectives.js';
import type { Genes } from '../../core/space.js';
import type { StudyControl } from './control.js';
import { LiveView } from './LiveView.js';

export interface LiveAppProps {
  readonly control: StudyControl;
  readonly subtitle: string;
  readonly objectives: readonly Objective[];
  readonly describe: (genes: Genes) => Record<string, number | string>;
  /** The training tokens the loss is predicted after, for its column header. */
  readonly lossTokens?: number;
  /** What precision costs a candidate's loss (nats/token), for the frontier table. */
  readonly precisionCost?: (genes: Genes) => number | undefined;
  /** Called with keys pressed once the study is over (the launcher offers its own follow-ups). */
  readonly onFinishedKey?: (input: string) => void;
  readonly finishedKeys?: string;
  /** Fixed size for tests; otherwise the terminal's, following resizes. */
  readonly size?: { readonly columns: number; readonly rows: number };
}

export function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns || 100, rows: stdout.rows || 30 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return size;
}

export function LiveApp(props: LiveAppProps) {
  const { control } = props;
  const { exit } = useApp();
  // One subscription: the snapshot carries the progress and the pause/stop flags, replaced on each notification.
  const snap = useSyncExternalStore(
    (l) => control.subscribe(l),
    () => control.snapshot(),
  );
  const state = snap.progress;
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const size = useTerminalSize(props.size);

  useInput((input, key) => {
    const finished = state.finished !== undefined;
    if (input === '?') setHelp((h) => !h);
    else if (input === 'e') {
      setMessage('exporting…');
      void control.exportNow().then(setMessage);
    } else if (finished) {
      if (props.onFinishedKey) props.onFinishedKey(input);
      else if (input === 'q' || key.escape || key.return) exit();
    } else if (input === 'p') control.togglePause();
    else if (input === 'q' || (key.ctrl && input === 'c')) control.stop();
  });

  return (
    <LiveView
      state={state}
      subtitle={props.subtitle}
      objectives={props.objectives}
      describe={props.describe}
      {...(props.lossTokens ? { lossTokens: props.lossTokens } : {})}
      {...(props.precisionCost ? { precisionCost: props.precisionCost } : {})}
      paused={snap.paused}
      {...(snap.server ? { server: snap.server } : {})}
      stopping={snap.stopping}
      {...(message !== undefined ? { message } : {})}
      showHelp={help}
      {...(props.finishedKeys ? { finishedKeys: props.finishedKeys } : {})}
      width={size.columns}
      height={size.rows}
    />
  );
}
