echo sh
