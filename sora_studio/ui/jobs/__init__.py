"""Generation jobs in the GUI: the engine-to-GUI-thread bridge, the controller and the queue dock."""
