/**
 * What the consent step says. One source for the words, so the app and README say the same;
 * change both together.
 */
export const CONSENT_TITLE = 'Before your camera and microphone start';

export const CONSENT_POINTS: readonly { heading: string; text: string }[] = [
  {
    heading: 'What is analysed',
    text:
      'While you are in a room, the server looks at your face expression (about 5 frames per second) and the tone of your voice ' +
      '(not the words) to estimate your mood, and combines it with the others in the room to choose music.',
  },
  {
    heading: 'What is stored',
    text:
      'Only the derived estimates: per moment, the probabilities of seven emotions, valence and arousal, with the room and the time; ' +
      'the tracks played and your likes and skips; your account, rooms and settings.',
  },
  {
    heading: 'What is never stored',
    text:
      'Raw camera images and microphone audio are never written to disk or to the database. They are analysed in memory and dropped. ' +
      'To read your tone of voice better, the server keeps a running average of how your voice usually sounds while you are connected; ' +
      'it is never stored, and it is forgotten when you leave the room.',
  },
  {
    heading: 'How long, and your control',
    text:
      'Mood history is deleted automatically after the retention period (30 days unless the operator set another). ' +
      '"Delete my data" removes all of your samples, plays and feedback at once; "Delete my account" removes everything. ' +
      'You can stop capture at any time.',
  },
  {
    heading: 'Not for monitoring',
    text:
      'Moodify is not offered for workplace or school monitoring, or for any use where people cannot freely choose to take part. ' +
      'Do not use it to watch others.',
  },
];
