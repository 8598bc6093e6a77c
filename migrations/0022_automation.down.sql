DROP TABLE trust_gate_audit;
DROP TABLE automation_actions;
DROP TABLE automation_rules;
DROP TABLE enforcement_rules;
DROP TABLE automation_settings;
