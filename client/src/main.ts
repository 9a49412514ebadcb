// Entry of the browser bundle: registers every custom element.
import './moodify-app.js';
import './room-page.js';
