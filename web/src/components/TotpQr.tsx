/** The QR code of a TOTP enrolment URI, drawn in the browser (nothing leaves the page). */
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { Skeleton } from '@mantine/core';

/** Renders `uri` (otpauth://…) as a QR code image. */
export function TotpQr({ uri, alt, size = 200 }: { uri: string; alt: string; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
      .then((svg) => {
        if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      })
      .catch(() => {
        if (live) setSrc(null);
      });
    return () => {
      live = false;
    };
  }, [uri]);
  if (!src) return <Skeleton width={size} height={size} />;
  return <img src={src} alt={alt} width={size} height={size} data-testid="totp-qr" />;
}
