// A QR code drawn as SVG squares from uqr's module matrix (no canvas, no inline markup: CSP stays strict).
import { useMemo } from 'react';
import { encode } from 'uqr';

export function QrCode({ value, size = 220, label }: { value: string; size?: number; label: string }) {
  const { path, modules } = useMemo(() => {
    const { data } = encode(value, { border: 2 });
    let d = '';
    data.forEach((row, y) => {
      row.forEach((on, x) => {
        if (on) d += `M${x} ${y}h1v1h-1z`;
      });
    });
    return { path: d, modules: data.length };
  }, [value]);
  return (
    <svg
      className="qr"
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      role="img"
      aria-label={label}
    >
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#111" shapeRendering="crispEdges" />
    </svg>
  );
}
