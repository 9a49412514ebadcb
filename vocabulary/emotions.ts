/**
 * The emotion vocabulary shared by the face model, the voice model, mood fusion and the client:
 * FER-2013's 7 classes, in the order every probability vector in this project uses.
 */
export const FER_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type FerLabel = (typeof FER_LABELS)[number];
