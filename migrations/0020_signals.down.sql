DROP TABLE signal_health_history;
DROP TABLE signal_health;
DROP TABLE signal_measurements;
