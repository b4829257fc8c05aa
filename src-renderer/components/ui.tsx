// Small building blocks every screen uses: buttons with a busy state, labelled fields with hints and errors, the
// one password field, empty/loading/error states, badges and switches.
import { type ReactNode, useId } from 'react';
import { Icon } from './icons.tsx';

export function Button(props: {
  children: ReactNode;
  onClick?: () => void;
  kind?: 'primary' | 'secondary' | 'ghost' | 'danger';
  busy?: boolean;
  disabled?: boolean;
  type?: 'button' | 'submit';
  small?: boolean;
  title?: string;
}) {
  const { kind = 'secondary', busy = false } = props;
  return (
    <button
      type={props.type ?? 'button'}
      className={`btn btn-${kind}${props.small ? ' btn-small' : ''}`}
      onClick={props.onClick}
      disabled={props.disabled || busy}
      aria-busy={busy}
      title={props.title}
    >
      {busy && <span className="spinner spinner-inline" aria-hidden="true" />}
      {props.children}
    </button>
  );
}

export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string;
  children: (id: string, describedBy: string) => ReactNode;
}) {
  const id = useId();
  const note = `${id}-note`;
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, note)}
      {props.error ? (
        <p className="field-error" id={note} role="alert">
          <Icon.Alert /> {props.error}
        </p>
      ) : (
        props.hint && (
          <p className="field-hint" id={note}>
            {props.hint}
          </p>
        )
      )}
    </div>
  );
}

/** A secret typed or pasted (a key, a token, a passphrase): a labelled password input the browser never spells. */
export function PasswordField(props: {
  label: string;
  hint?: ReactNode;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  /** 'off' for a pasted credential; 'new-password' or 'current-password' for a passphrase a manager may keep. */
  autoComplete?: 'off' | 'new-password' | 'current-password';
  placeholder?: string;
  autoFocus?: boolean;
  /** Shown beside the input (a Save button). */
  action?: ReactNode;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(id, note) => {
        const input = (
          <input
            id={id}
            aria-describedby={note}
            type="password"
            autoComplete={props.autoComplete}
            spellCheck={false}
            placeholder={props.placeholder}
            // biome-ignore lint/a11y/noAutofocus: only where the field is the one thing to do on the screen
            autoFocus={props.autoFocus}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
          />
        );
        return props.action ? (
          <div className="input-row">
            {input}
            {props.action}
          </div>
        ) : (
          input
        );
      }}
    </Field>
  );
}

export function Spinner({ label }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label && <span>{label}</span>}
    </div>
  );
}

export function EmptyState(props: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      {props.icon && <div className="empty-icon">{props.icon}</div>}
      <h3>{props.title}</h3>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </div>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="error-state" role="alert">
      <Icon.Alert />
      <div>
        <strong>Something is not right</strong>
        <p>{message}</p>
      </div>
      {onRetry && (
        <Button small onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function Switch(props: {
  checked: boolean;
  onChange: (value: boolean) => void;
  label: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={props.checked}
      aria-label={props.label}
      className={`switch${props.checked ? ' switch-on' : ''}`}
      disabled={props.disabled}
      onClick={() => props.onChange(!props.checked)}
    >
      <span className="switch-knob" />
    </button>
  );
}

export function PageHeader(props: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle && <p className="page-subtitle">{props.subtitle}</p>}
      </div>
      {props.actions && <div className="page-actions">{props.actions}</div>}
    </header>
  );
}

export function Card(props: {
  title?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card${props.className ? ` ${props.className}` : ''}`}>
      {(props.title || props.actions) && (
        <div className="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions}
        </div>
      )}
      {props.children}
    </section>
  );
}
