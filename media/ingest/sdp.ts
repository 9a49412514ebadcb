/**
 * The SDP that tells ffmpeg what mediasoup's PlainTransport consumer sends it: one m-line, the
 * consumer's codec and payload type, plain RTP on 127.0.0.1 (RTCP on the next port).
 */
import type { types as ms } from 'mediasoup';

export function sdpForConsumer(kind: 'audio' | 'video', rtpParameters: ms.RtpParameters, port: number): string {
  const codec = rtpParameters.codecs[0];
  if (!codec) throw new Error('consumer has no codec');
  const [, name] = codec.mimeType.split('/');
  const rtpmap = `${codec.payloadType} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`;
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    `s=moodify-${kind}`,
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${rtpmap}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    `a=rtcp:${port + 1}`,
    'a=recvonly',
    '',
  ].join('\r\n');
}
