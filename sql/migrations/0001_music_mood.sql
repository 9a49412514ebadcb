CREATE TABLE "emotion_samples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"room_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"face" jsonb,
	"voice" jsonb,
	"fused" jsonb NOT NULL,
	"emotion" text NOT NULL,
	"valence" real NOT NULL,
	"arousal" real NOT NULL,
	"confidence" real NOT NULL,
	"weights" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"track_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plays" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"track_id" uuid NOT NULL,
	"session_key" text NOT NULL,
	"strategy" text NOT NULL,
	"target_valence" real NOT NULL,
	"target_arousal" real NOT NULL,
	"explanation" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "track_features" (
	"track_id" uuid PRIMARY KEY NOT NULL,
	"bpm" real NOT NULL,
	"key" text NOT NULL,
	"mode" text NOT NULL,
	"key_confidence" real NOT NULL,
	"loudness_lufs" real NOT NULL,
	"energy" real NOT NULL,
	"spectral_centroid_hz" real NOT NULL,
	"valence" real NOT NULL,
	"arousal" real NOT NULL,
	"emotion" text NOT NULL,
	"mood_source" text NOT NULL,
	"model_version" text NOT NULL,
	"vector" jsonb NOT NULL,
	"analysed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_path" text NOT NULL,
	"audio_hash" text NOT NULL,
	"file_size" bigint NOT NULL,
	"file_mtime_ms" double precision NOT NULL,
	"title" text NOT NULL,
	"artist" text,
	"album" text,
	"duration_s" real NOT NULL,
	"origin" text NOT NULL,
	"license" text,
	"attribution" text,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_track_id_tracks_id_fk" FOREIGN KEY ("track_id") REFERENCES "public"."tracks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plays" ADD CONSTRAINT "plays_track_id_tracks_id_fk" FOREIGN KEY ("track_id") REFERENCES "public"."tracks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "track_features" ADD CONSTRAINT "track_features_track_id_tracks_id_fk" FOREIGN KEY ("track_id") REFERENCES "public"."tracks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "emotion_samples_user_time_idx" ON "emotion_samples" USING btree ("user_id","at");--> statement-breakpoint
CREATE INDEX "emotion_samples_room_time_idx" ON "emotion_samples" USING btree ("room_id","at");--> statement-breakpoint
CREATE INDEX "feedback_user_idx" ON "feedback" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "plays_session_time_idx" ON "plays" USING btree ("session_key","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tracks_audio_hash_unique" ON "tracks" USING btree ("audio_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "tracks_file_path_unique" ON "tracks" USING btree ("file_path");