DROP TABLE signal_health_history;
DROP TABLE signal_health;
DROP TABLE signal_recompute_state;
DROP TABLE signal_measurements;
