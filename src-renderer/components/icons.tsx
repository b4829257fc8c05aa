// The few line icons MONO uses, as inline SVG components (no icon font, nothing fetched).
import type { ReactNode } from 'react';

function Svg({ children, size = 18 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {children}
    </svg>
  );
}

export const Icon = {
  Chat: () => (
    <Svg>
      <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" />
    </Svg>
  ),
  /** The owner's own chat with MONO. */
  Spark: () => (
    <Svg>
      <path d="M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8L12 3zM19 16l.8 2.2L22 19l-2.2.8L19 22l-.8-2.2L16 19l2.2-.8L19 16z" />
    </Svg>
  ),
  Send: () => (
    <Svg size={16}>
      <path d="M4 12l16-8-6 16-2.5-6.5L4 12z" />
    </Svg>
  ),
  People: () => (
    <Svg>
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2.5 20a6.5 6.5 0 0 1 13 0" />
      <path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14.5a6.5 6.5 0 0 1 3.5 5.5" />
    </Svg>
  ),
  Plug: () => (
    <Svg>
      <path d="M9 2v6M15 2v6M6 8h12v3a6 6 0 0 1-12 0V8zM12 17v5" />
    </Svg>
  ),
  Clock: () => (
    <Svg>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 2" />
    </Svg>
  ),
  Chart: () => (
    <Svg>
      <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />
    </Svg>
  ),
  Server: () => (
    <Svg>
      <rect x="3" y="4" width="18" height="7" rx="2" />
      <rect x="3" y="13" width="18" height="7" rx="2" />
      <path d="M7 7.5h.01M7 16.5h.01" />
    </Svg>
  ),
  /** Many servers at once. */
  Fleet: () => (
    <Svg>
      <rect x="2" y="4" width="9" height="7" rx="1.5" />
      <rect x="13" y="4" width="9" height="7" rx="1.5" />
      <rect x="7.5" y="13" width="9" height="7" rx="1.5" />
    </Svg>
  ),
  Check: () => (
    <Svg size={16}>
      <path d="M5 12.5l4.5 4.5L19 7.5" />
    </Svg>
  ),
  Alert: () => (
    <Svg size={16}>
      <path d="M12 8v5M12 16.5h.01" />
      <circle cx="12" cy="12" r="9" />
    </Svg>
  ),
  Search: () => (
    <Svg size={16}>
      <circle cx="11" cy="11" r="7" />
      <path d="M20 20l-3.5-3.5" />
    </Svg>
  ),
  Tool: () => (
    <Svg size={14}>
      <path d="M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.5-.5-.5-2.5 2.5-2.5z" />
    </Svg>
  ),
  Telegram: () => (
    <Svg size={14}>
      <path d="M21 4L3 11l6 2 2 6 3-4 5 4 2-15z" />
    </Svg>
  ),
  Arrow: () => (
    <Svg size={16}>
      <path d="M5 12h14M13 6l6 6-6 6" />
    </Svg>
  ),
  Cloud: () => (
    <Svg size={16}>
      <path d="M7 18a5 5 0 0 1-.5-10A6 6 0 0 1 18 9a4.5 4.5 0 0 1-.5 9H7z" />
    </Svg>
  ),
};
