/**
 * The ingest benchmark's load generator, run as its own process so its CPU is measured apart
 * from the server's: records the clip's RTP once, joins N synthetic peers, replays to all of
 * them, and reports (over IPC) when each video frame left, for the latency measurement.
 * argv: wsUrl participants videoFile audioFile roomSize [temporalLayers: 2 (default) or 1]
 */
import { recordOpus, recordVp8, RtpReplayer } from './rtp-replay.js';
import { joinSyntheticPeer, type SyntheticPeer } from './synthetic-peer.js';

const [wsUrl, participantsArg, videoFile, audioFile, roomSizeArg, layersArg] = process.argv.slice(2);
const participants = Number(participantsArg);
const roomSize = Number(roomSizeArg || 10);
const send = (message: unknown) => process.send?.(message);

const video = await recordVp8(videoFile!, 15, layersArg === '1' ? 1 : 2);
const audio = await recordOpus(audioFile!);
const replayer = new RtpReplayer();
await replayer.start();
const peers: SyntheticPeer[] = [];
const now = () => performance.timeOrigin + performance.now();
for (let i = 0; i < participants; i++) {
  let participantId = '';
  const peer = await joinSyntheticPeer({
    wsUrl: wsUrl!,
    roomId: `bench-${Math.floor(i / roomSize)}`,
    displayName: `synthetic-${i}`,
    streams: [video, audio],
    replayer,
    // performance.now() here is this process's clock; send wall-clock ms.
    onVideoFrameSent: (frame, sentAt) => participantId && send({ participantId, frame, sentAt: performance.timeOrigin + sentAt }),
  });
  participantId = peer.participantId;
  peers.push(peer);
  send({ joined: peers.length });
}
send({
  ready: true,
  participants: peers.map((p) => p.participantId),
  loopFrames: Math.round(video.loopTicks / video.frameTicks),
  at: now(),
});

process.on('message', async (message) => {
  if ((message as { stop?: boolean }).stop) {
    for (const peer of peers) await peer.leave();
    replayer.stop();
    send({ stopped: true, packets: replayer.sentPackets });
    process.exit(0);
  }
});
